package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/hub/ddns"
	"github.com/homefleet/homefleet/hub/ddns/providers"
	"github.com/homefleet/homefleet/hub/ipwatch"
	"github.com/homefleet/homefleet/hub/store"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/mqttc"
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

// internet keeps the public address and the DDNS records right and tells
// HA. Its loop owns every field; sources and providers run inside it.
type internet struct {
	sc       topic.Scheme
	version  string
	log      *slog.Logger
	cfg      config.PublicIP
	st       *store.Store
	sources  []ipwatch.Named
	mgr      *ddns.Manager
	records  []discovery.DDNSRecordRef
	hasV6    bool
	state    wire.PublicIP
	deviceV6 map[string]netip.Addr
	in       chan any
	resend   chan struct{}
	now      func() time.Time
	ifaces   func() string
	pollEach time.Duration                // how often interfaces and the wall clock are looked at
	pub      publisher                    // set by run, for the manager's events
	sent     map[string][]byte            // last record documents published
	prefixes map[[2]netip.Prefix][]string // pending /64 changes (old, new) → devices, flushed as one event
}

type forceMsg struct{}

func newInternet(ctx context.Context, cfg config.Hub, version string, st *store.Store, log *slog.Logger) (*internet, error) {
	in := &internet{sc: cfg.MQTT.Scheme(), version: version, log: log, cfg: cfg.PublicIP, st: st, deviceV6: map[string]netip.Addr{}, sent: map[string][]byte{}, prefixes: map[[2]netip.Prefix][]string{},
		in: make(chan any, 64), resend: make(chan struct{}, 1), now: time.Now, ifaces: interfaceAddrs, pollEach: netPoll, pub: nopPublisher{}}
	in.sources = ipwatch.FromConfig(cfg.PublicIP, ddns.UserAgent, in.agentAddr)
	for _, s := range in.sources {
		in.hasV6 = in.hasV6 || s.Family != 4
	}
	if docs, err := st.Docs(ctx, docPublicIP); err == nil {
		_ = json.Unmarshal(docs["state"], &in.state)
	} else {
		return nil, err
	}
	in.state.V = 1
	if err := in.buildDDNS(ctx, cfg.DDNS); err != nil {
		return nil, err
	}
	return in, nil
}

func (in *internet) buildDDNS(ctx context.Context, cfg config.DDNS) error {
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
	saved, err := in.st.Docs(ctx, docDDNS)
	if err != nil {
		return err
	}
	var binds []ddns.Binding
	for _, r := range ddns.RecordsFromConfig(cfg) {
		var st ddns.State
		if doc, ok := saved[r.Key()]; ok {
			if err := json.Unmarshal(doc, &st); err != nil {
				in.log.Warn("stored ddns state unreadable, starting fresh", "record", r.Key(), "err", err)
			}
		}
		hash := fmt.Sprint(r, hashes[r.Provider])
		binds = append(binds, ddns.Binding{Record: r, Provider: provs[r.Provider], Hash: hashSum(hash), State: st})
		in.records = append(in.records, discovery.DDNSRecordRef{Key: r.Key(), Name: r.Name, Type: r.Type})
		in.hasV6 = in.hasV6 || r.Type == "AAAA"
	}
	in.mgr = ddns.New(binds, ddns.Authoritative{Resolver: cfg.Resolver, Timeout: 5 * time.Second}, in, ddns.Options{
		VerifyInterval: cfg.VerifyInterval, VerifyTimeout: cfg.VerifyTimeout, MaxBackoff: cfg.MaxBackoff,
		OnEvent: in.ddnsEvent, Log: in.log,
	})
	return nil
}

// SaveDDNS stores a record's state (ddns.Store).
func (in *internet) SaveDDNS(ctx context.Context, key string, st ddns.State) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encoding ddns state: %w", err)
	}
	return in.st.SaveDoc(ctx, docDDNS, key, b)
}

func (in *internet) enabled() bool { return len(in.sources) > 0 || in.mgr != nil }

func (in *internet) connected() { nudge(in.resend) }

func (in *internet) agentAddr(device string) (netip.Addr, error) {
	a, ok := in.deviceV6[device]
	if !ok {
		return netip.Addr{}, fmt.Errorf("%w: %s has reported no stable global IPv6", ipwatch.ErrSource, device)
	}
	return a, nil
}

func (in *internet) handleNet(t string, payload []byte, _ bool) error {
	dev, ok := in.sc.ParseDevice(t)
	if !ok || len(payload) == 0 {
		return nil
	}
	doc, err := wire.DecodeNet(payload)
	if err != nil {
		return err
	}
	in.queue(agentV6{dev, StableGlobalIPv6(doc)})
	return nil
}

func (in *internet) handleCommand(t string, _ []byte, retained bool) error {
	if verb, ok := in.sc.ParseCommand(DeviceID, t); ok && verb == "ddns_update" && !retained {
		in.queue(forceMsg{})
	}
	return nil
}

func (in *internet) queue(m any) {
	if !in.enabled() {
		return // nobody runs the loop
	}
	select {
	case in.in <- m:
	default:
		in.log.Warn("internet queue full, message dropped")
	}
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

func (in *internet) run(ctx context.Context, pub publisher) error {
	in.pub = pub
	poll := time.NewTicker(in.pollEach)
	defer poll.Stop()
	check := time.NewTimer(0)
	defer check.Stop()
	step := time.NewTimer(time.Hour)
	defer step.Stop()
	flush := time.NewTimer(time.Hour)
	defer flush.Stop()
	lastIfaces, lastWall := in.ifaces(), in.now().Round(0)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-in.resend:
			in.publishAll(ctx, pub)
		case <-check.C:
			in.check(ctx, pub)
			check.Reset(in.cfg.Interval)
		case <-poll.C:
			ifs, wall := in.ifaces(), in.now().Round(0) // Round(0): the wall clock, which runs on while suspended
			resumed := wall.Sub(lastWall) > 3*in.pollEach
			if ifs != lastIfaces || resumed {
				in.log.Info("network changed, checking the public address", "resumed", resumed)
				check.Reset(0)
			}
			lastIfaces, lastWall = ifs, wall
		case m := <-in.in:
			switch m := m.(type) {
			case agentV6:
				if old := in.deviceV6[m.device]; old != m.addr {
					if old.IsValid() && m.addr.IsValid() && prefix64(old) != prefix64(m.addr) {
						k := [2]netip.Prefix{prefix64(old), prefix64(m.addr)}
						in.prefixes[k] = append(in.prefixes[k], m.device)
						flush.Reset(time.Second)
					}
					in.deviceV6[m.device] = m.addr
					if in.mgr != nil {
						in.mgr.SetDevice(m.device, m.addr)
					}
					check.Reset(time.Second) // coalesce a prefix change across devices into one check
				}
			case forceMsg:
				in.log.Info("Update DDNS now pressed")
				if in.mgr != nil {
					in.mgr.Force()
				}
				check.Reset(0)
			}
		case <-step.C:
		case <-flush.C:
			in.flushPrefixes(ctx, pub)
		}
		if in.mgr != nil {
			next := in.mgr.Step(ctx)
			in.publishRecords(ctx, pub)
			step.Reset(max(time.Until(next), time.Millisecond))
		}
	}
}

// check asks every source, publishes the outcome and hands agreed
// addresses to the DDNS manager. Disagreement writes nothing.
func (in *internet) check(ctx context.Context, pub publisher) {
	if len(in.sources) == 0 {
		return
	}
	r := ipwatch.Check(ctx, in.sources, in.cfg.Quorum, in.cfg.Timeout)
	now := in.now()
	s := &in.state
	s.Checked = now.UTC().Format(time.RFC3339)
	var disagree, sources []string
	for _, f := range []struct {
		fam              int
		res              ipwatch.FamilyResult
		cur, prev, chgAt *string
	}{{4, r.V4, &s.IPv4, &s.PreviousIPv4, &s.ChangedIPv4}, {6, r.V6, &s.IPv6, &s.PreviousIPv6, &s.ChangedIPv6}} {
		if len(f.res.Answers) == 0 {
			continue
		}
		if f.res.Err != nil {
			disagree = append(disagree, fmt.Sprintf("IPv%d: %v", f.fam, f.res.Err))
			continue
		}
		sources = append(sources, fmt.Sprintf("IPv%d: %s", f.fam, strings.Join(f.res.Agree, ", ")))
		if got := f.res.Addr.String(); got != *f.cur {
			old := *f.cur
			*f.prev, *f.cur, *f.chgAt = old, got, s.Checked
			in.log.Info("public address changed", "family", f.fam, "old", old, "new", got, "sources", f.res.Agree)
			in.trigger(ctx, pub, wire.Trigger{Event: discovery.TriggerIPChanged, Old: old, New: got, Family: fmt.Sprintf("ipv%d", f.fam)})
		}
		if in.mgr != nil {
			in.mgr.SetAddr(f.fam, f.res.Addr)
		}
	}
	if len(disagree) > 0 && !s.Disagree {
		in.log.Warn("public address sources disagree: nothing written", "details", strings.Join(disagree, "; "))
	}
	s.Disagree, s.Disagreement, s.Sources = len(disagree) > 0, strings.Join(disagree, "; "), strings.Join(sources, "; ")
	s.CGNAT, s.CGNATReason, s.RouterWAN = r.CGNAT != "", r.CGNAT, ""
	if r.RouterWAN.IsValid() {
		s.RouterWAN = r.RouterWAN.String()
	}
	if b, err := json.Marshal(s); err == nil {
		if err := in.st.SaveDoc(ctx, docPublicIP, "state", b); err != nil {
			in.log.Error("saving public address", "err", err)
		}
	}
	_ = mqttc.PublishJSON(ctx, pub, in.sc.HubPublicIP(), s, true)
}
