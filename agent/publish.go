package agent

import (
	"context"
	"encoding/json"
	"runtime"
	"time"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/internal/wire"
)

// publishAll republishes discovery, state and the network identity.
func (a *Agent) publishAll(ctx context.Context) {
	a.power.offered = a.power.offeredVerbs(ctx, a.opts.Log)
	if !a.read.have {
		a.cycle(ctx, true)
		return
	}
	a.publishDiscovery(ctx)
	a.publishState(ctx, a.opts.Now())
	a.publishNet(ctx, true)
	if a.evac != nil {
		for key, doc := range a.evac.latest() {
			a.send(ctx, a.opts.Scheme.Evacuation(a.opts.ID, key), doc, true)
		}
	}
}

func (a *Agent) hostInfo() discovery.Host {
	f := a.read.facts
	return discovery.Host{ID: a.opts.ID, Name: a.DeviceName(), Model: discovery.Model(f.OS, runtime.GOOS, f.Arch), Version: a.opts.Version, Power: a.power.offered, Idle: a.idle != nil, Jobs: a.jobs.names()}
}

// DeviceName is the HA device name: device.name, else the host name as
// last read, else the id. Safe from any goroutine.
func (a *Agent) DeviceName() string {
	if a.opts.Name != "" {
		return a.opts.Name
	}
	if n := a.hostname.Load(); n != nil && *n != "" {
		return *n
	}
	return a.opts.ID
}

func (a *Agent) publishDiscovery(ctx context.Context) {
	next := discovery.HostPayload(a.hostInfo(), a.read.cur, a.opts.Scheme)
	t := a.opts.Scheme.Discovery(a.opts.ID)
	if a.sent.disc.Components != nil { // told HA before (even if the last send failed)
		if tomb, ok := discovery.Removed(a.sent.disc, next); ok {
			if !a.send(ctx, t, tomb, true) {
				return
			}
		}
	}
	if a.send(ctx, t, next, true) {
		a.sent.disc, a.sent.discState, a.sent.discOK = next, a.read.cur, true
		return
	}
	// Not at the broker (the session dropped, or the publish timed out):
	// the next cycle sends it again rather than trusting an older send
	// that a restarted broker may have lost.
	a.sent.discOK = false
}

func (a *Agent) publishState(ctx context.Context, now time.Time) {
	a.read.cur.Allowed = wire.Allowed{Power: nonNil(a.power.offered), Jobs: a.jobs.names()} // as offered now
	a.read.cur.Running = a.jobs.runningNames()
	if a.send(ctx, a.opts.Scheme.State(a.opts.ID), a.read.cur, true) {
		a.sent.state, a.sent.stateAt, a.sent.stateOK = a.read.cur, now, true
	} else {
		a.sent.stateOK = false // sent again next cycle
	}
}

// publishNet publishes the network identity when it changed (or always).
func (a *Agent) publishNet(ctx context.Context, always bool) {
	n := a.net
	if n == nil {
		return
	}
	ifs, err := n.read()
	if err != nil {
		a.opts.Log.Debug("reading network identity", "err", err)
		return
	}
	doc := NetToWire(ifs, a.opts.Now())
	doc.TS = 0
	key, _ := json.Marshal(doc)
	if !always && string(key) == string(n.doc) {
		n.due = false
		return
	}
	doc.TS = a.opts.Now().Unix()
	if a.send(ctx, a.opts.Scheme.Net(a.opts.ID), doc, true) {
		n.doc, n.due = key, false
	}
}

// send encodes and publishes v; failures are logged here, the boundary.
func (a *Agent) send(ctx context.Context, t string, v any, retain bool) bool {
	if err := mqttc.PublishJSON(ctx, a.pub, t, v, retain); err != nil {
		a.opts.Log.Debug("publish failed; will resend", "topic", t, "err", err)
		return false
	}
	return true
}
