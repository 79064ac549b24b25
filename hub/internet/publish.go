package internet

// The internet service's MQTT side: documents, triggers and events.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/hub/internet/ddns"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// flushPrefixes reports a delegated-prefix change once, with every
// device it moved, however many agents reported it.
func (in *Service) flushPrefixes(ctx context.Context) {
	for k, devs := range in.prefixes {
		slices.Sort(devs)
		in.env.Log.Info("IPv6 prefix changed", "old", k[0], "new", k[1], "devices", devs)
		in.trigger(ctx, wire.Trigger{Event: discovery.TriggerIPChanged, Family: "ipv6-prefix", Old: k[0].String(), New: k[1].String(), Device: strings.Join(devs, ",")})
	}
	clear(in.prefixes)
}

func prefix64(a netip.Addr) netip.Prefix {
	p, _ := a.Prefix(64)
	return p
}

func (in *Service) ddnsEvent(ctx context.Context, e ddns.Event) {
	switch e.Kind {
	case ddns.EventFailed, ddns.EventDisabled:
		in.trigger(ctx, wire.Trigger{Event: discovery.TriggerDDNSUpdateFailed, Record: e.Record.Key(), New: e.New.String(), Error: errText(e.Err)})
	case ddns.EventMismatch:
		ev := wire.Event{V: 1, TS: in.env.Now().Unix(), Type: "ddns_mismatch", Verb: e.Record.Key(), Reason: errText(e.Err)}
		in.env.Send(ctx, in.env.Scheme.Event(topic.HubID), ev, false)
	case ddns.EventRefused:
		in.env.Log.Warn("Update DDNS now: record disabled, nothing sent", "record", e.Record.Key(), "reason", errText(e.Err))
		ev := wire.Event{V: 1, TS: in.env.Now().Unix(), Type: "command", Verb: "ddns_update", Reason: e.Record.Key() + ": " + errText(e.Err)}
		in.env.Send(ctx, in.env.Scheme.Event(topic.HubID), ev, false)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (in *Service) trigger(ctx context.Context, t wire.Trigger) {
	in.env.FireJSON(ctx, in.env.Scheme.HubPublicIPTrigger(), t)
}

func (in *Service) publishAll(ctx context.Context) {
	sc := in.env.Scheme
	in.env.Send(ctx, sc.NodeDiscovery(topic.HubID, topic.InternetNode()), discovery.InternetPayload(topic.HubID, in.env.Version, in.hasV6, in.records, sc), true)
	if in.state.Checked != "" {
		in.env.Send(ctx, sc.HubPublicIP(), in.state, true)
	}
	clear(in.sent)
	in.publishRecords(ctx)
}

// publishRecords publishes the record documents that changed.
func (in *Service) publishRecords(ctx context.Context) {
	if in.mgr == nil {
		return
	}
	for _, b := range in.mgr.States() {
		doc := wire.DDNSRecord{V: 1, Name: b.Record.Name, Type: b.Record.Type, InSync: b.State.InSync, LastError: b.State.LastError, Note: b.State.Note,
			PropagationMS: b.State.PropagationMS, WriteMS: b.State.WriteMS, Disabled: b.State.Disabled != ""}
		if b.State.Pushed.IsValid() {
			doc.Addr = b.State.Pushed.String()
		}
		doc.LastUpdate, doc.VerifiedAt = stamp(b.State.PushedAt), stamp(b.State.VerifiedAt)
		j, _ := json.Marshal(doc)
		if bytes.Equal(in.sent[b.Record.Key()], j) {
			continue
		}
		if err := in.env.Session.Publish(ctx, in.env.Scheme.HubDDNS(b.Record.Key()), j, true); err == nil {
			in.sent[b.Record.Key()] = j
		}
	}
}

// hashSum is a short digest of a configuration.
func hashSum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:8])
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// interfaceAddrs is the host's addresses as one string; a change means
// the network changed.
func interfaceAddrs() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	out := make([]string, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, a.String())
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}
