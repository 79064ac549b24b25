// Package internet is the hub feature for the home's side of the
// internet: the public address found by consensus of independent sources
// (ipwatch), the DDNS records kept right and proven on the zone's
// authoritative servers (ddns and its providers), and the service probes
// the hub runs (SMB, TCP, HTTP, DNS), each shown in HA on the hub device.
package internet

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/hub/feature"
	"github.com/homefleet/homefleet/hub/internet/ddns"
	"github.com/homefleet/homefleet/hub/internet/ddns/providers"
	"github.com/homefleet/homefleet/hub/internet/ipwatch"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/inbox"
	"github.com/homefleet/homefleet/internal/service"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

const (
	docPublicIP = "publicip"
	docDDNS     = "ddns"
	netPoll     = 10 * time.Second
)

type agentV6 struct {
	device string
	addr   netip.Addr
}

// Service keeps the public address and the DDNS records right and tells
// HA. Its loop owns every field; sources and providers run inside it.
type Service struct {
	env      feature.Env
	cfg      config.PublicIP
	sources  []ipwatch.Named
	mgr      *ddns.Manager
	records  []discovery.DDNSRecordRef
	hasV6    bool
	state    wire.PublicIP
	deviceV6 map[string]netip.Addr
	in       chan any
	resend   chan struct{}
	ifaces   func() string
	pollEach time.Duration                // how often interfaces and the wall clock are looked at
	sent     map[string][]byte            // last record documents published
	prefixes map[[2]netip.Prefix][]string // pending /64 changes (old, new) → devices, flushed as one event
}

type forceMsg struct{}

// New builds the sources and the DDNS providers (each validates its
// config) and restores what was last found and written from the store.
// Without sources or records the service has nothing to do: Enabled is
// false and it subscribes to nothing.
func New(ctx context.Context, env feature.Env, cfg config.Hub) (*Service, error) {
	env = env.Named("internet")
	in := &Service{env: env, cfg: cfg.PublicIP, deviceV6: map[string]netip.Addr{}, sent: map[string][]byte{}, prefixes: map[[2]netip.Prefix][]string{},
		in: make(chan any, 64), resend: make(chan struct{}, 1), ifaces: interfaceAddrs, pollEach: netPoll}
	in.sources = ipwatch.FromConfig(cfg.PublicIP, ddns.UserAgent, in.agentAddr)
	for _, s := range in.sources {
		in.hasV6 = in.hasV6 || s.Family != 4
	}
	if docs, err := env.Store.Docs(ctx, docPublicIP); err == nil {
		_ = json.Unmarshal(docs["state"], &in.state)
	} else {
		return nil, err
	}
	in.state.V = 1
	if err := in.buildDDNS(ctx, cfg.DDNS); err != nil {
		return nil, err
	}
	if in.Enabled() {
		sc := env.Scheme
		env.Session.Subscribe(sc.AllNet(), in.handleNet)
		env.Commands.On(topic.HubID, "ddns_update", inbox.Press, func(inbox.Command) error { return in.queue(forceMsg{}) })
	}
	return in, nil
}

// Name implements service.Service.
func (in *Service) Name() string { return "internet" }

// Announce republishes the discovery and every document.
func (in *Service) Announce() { service.Nudge(in.resend) }

func (in *Service) buildDDNS(ctx context.Context, cfg config.DDNS) error {
	if len(cfg.Records) == 0 {
		return nil
	}
	provs := map[string]ddns.Provider{}
	hashes := map[string]string{}
	for _, pc := range cfg.Providers {
		p, err := providers.New(pc)
		if err != nil {
			return err
		}
		provs[pc.Name] = p
		hashes[pc.Name] = fmt.Sprintf("%+v", pc) // secrets included, so a new password re-enables; only the hash is stored
	}
	saved, err := in.env.Store.Docs(ctx, docDDNS)
	if err != nil {
		return err
	}
	var binds []ddns.Binding
	for _, r := range ddns.RecordsFromConfig(cfg) {
		var st ddns.State
		if doc, ok := saved[r.Key()]; ok {
			if err := json.Unmarshal(doc, &st); err != nil {
				in.env.Log.Warn("stored ddns state unreadable, starting fresh", "record", r.Key(), "err", err)
			}
		}
		hash := fmt.Sprint(r, hashes[r.Provider])
		binds = append(binds, ddns.Binding{Record: r, Provider: provs[r.Provider], Hash: hashSum(hash), State: st})
		in.records = append(in.records, discovery.DDNSRecordRef{Key: r.Key(), Name: r.Name, Type: r.Type})
		in.hasV6 = in.hasV6 || r.Type == "AAAA"
	}
	auth := ddns.Authoritative{Resolver: cfg.Resolver, Timeout: 5 * time.Second}
	in.mgr = ddns.New(binds, auth, in, ddns.Options{
		VerifyInterval: cfg.VerifyInterval, VerifyTimeout: cfg.VerifyTimeout, MaxBackoff: cfg.MaxBackoff,
		OnEvent: in.ddnsEvent, Log: in.env.Log, FindZone: auth.Zone, Claim: in.env.Claim,
	})
	return nil
}

// SaveDDNS stores a record's state (ddns.Store).
func (in *Service) SaveDDNS(ctx context.Context, key string, st ddns.State) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encoding ddns state: %w", err)
	}
	return in.env.Store.SaveDoc(ctx, docDDNS, key, b)
}

// Enabled reports whether anything is configured: without public_ip
// sources or ddns records the service idles.
func (in *Service) Enabled() bool { return len(in.sources) > 0 || in.mgr != nil }

func (in *Service) agentAddr(device string) (netip.Addr, error) {
	a, ok := in.deviceV6[device]
	if !ok {
		return netip.Addr{}, fmt.Errorf("%w: %s has reported no stable global IPv6", ipwatch.ErrSource, device)
	}
	return a, nil
}

func (in *Service) handleNet(t string, payload []byte, _ bool) error {
	dev, doc, ok, err := feature.DecodeNet(in.env.Scheme, t, payload)
	if !ok {
		return err
	}
	return in.queue(agentV6{dev, StableGlobalIPv6(doc)})
}

func (in *Service) queue(m any) error {
	if !in.Enabled() {
		return nil // nobody runs the loop
	}
	return service.Enqueue(in.in, m, "internet input")
}

// StableGlobalIPv6 is the device's first stable, public IPv6 (sorted, so
// the choice does not flap), or the zero Addr.
func StableGlobalIPv6(n wire.Net) netip.Addr {
	var all []netip.Addr
	for _, itf := range n.Interfaces {
		for _, a := range itf.IPv6 {
			ip, err := netip.ParseAddr(a.Addr)
			if p, perr := netip.ParsePrefix(a.Addr); perr == nil { // agents send addr/len
				ip, err = p.Addr(), nil
			}
			if err == nil && a.Stable && ipwatch.CheckPublic(ip) == nil {
				all = append(all, ip)
			}
		}
	}
	if len(all) == 0 {
		return netip.Addr{}
	}
	slices.SortFunc(all, netip.Addr.Compare)
	return all[0]
}
