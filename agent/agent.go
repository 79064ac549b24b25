// Package agent runs on every machine: it reads this machine through its
// collectors (collectors.go, one package each under collect/), publishes
// the state document on change or heartbeat, the network identity, one
// document per disk and the probe results, keeps HA discovery in step
// with the entities that exist, and answers the commands its config
// allows. Run is the one entry point.
package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/homefleet/homefleet/agent/power"
	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/internal/probe"
	"github.com/homefleet/homefleet/internal/secret"
	"github.com/homefleet/homefleet/internal/service"
	"github.com/homefleet/homefleet/internal/wol"
)

// haSpread bounds how long after Home Assistant's birth every part of the
// agent has republished its discovery and state: 4.5 s, so that with a
// thousand agents the last config is at the broker within 5 s.
const haSpread = 4500 * time.Millisecond

// Deps are what the agent gets from outside its config. Zero values are
// the real thing: this machine's collectors, its power backend, UDP magic
// packets and the wall clock.
type Deps struct {
	Version    string
	Log        *slog.Logger
	Collectors *Collectors        // nil: DefaultCollectors(cfg)
	Power      power.Backend      // nil: this OS's (logind, Win32)
	Relay      wol.Sender         // nil: UDP
	Now        func() time.Time   // nil: time.Now
	Trim       func()             // runs after start-up and each heartbeat, to give memory back (nil: none)
	Machine    string             // this machine's fingerprint ("": Fingerprint())
	Supervisor service.Supervisor // told when the agent is up and that its loop turns (nil: nothing watches)
}

func (d *Deps) defaults(cfg config.Agent) {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Collectors == nil {
		c := DefaultCollectors(cfg)
		d.Collectors = &c
	}
	if d.Power == nil {
		d.Power = power.New()
	}
	if d.Relay == nil {
		d.Relay = wol.UDP{}
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Machine == "" {
		d.Machine = Fingerprint()
	}
	if d.Supervisor == nil {
		d.Supervisor = service.Unsupervised{}
	}
}

// Run connects to the broker from cfg and runs the agent until ctx ends.
// It returns the first connection's error (unreachable broker, refused
// credentials) or nil on a clean stop.
func Run(ctx context.Context, cfg config.Agent, d Deps) error {
	d.defaults(cfg)
	id, err := ResolveID(cfg.Device.ID)
	if err != nil {
		return err
	}
	name := cfg.Device.Name
	if name == "" {
		name, _ = os.Hostname()
	}
	red := secret.New(config.Secrets(cfg)...)
	d.Log = slog.New(red.Handler(d.Log.Handler())).With("device", id, "name", name) // every line names the device as MQTT and HA know it
	sc := cfg.MQTT.Scheme()
	clientID := cfg.MQTT.ClientID
	if clientID == "" {
		clientID = "homefleet-agent-" + id
	}
	var group *service.Group
	var a *Agent
	mc, err := mqttc.New(mqttc.Options{
		MQTT: cfg.MQTT, ClientID: clientID, StatusTopic: sc.Status(id),
		Logger: d.Log.With("component", "mqtt"), OnConnect: func() { group.Announce() },
		Oversize: func(t string, n int) { a.inbox.Oversize(t, n) },
	})
	if err != nil {
		return fmt.Errorf("setting up mqtt: %w", err)
	}
	a, disks, probes, err := build(cfg, id, d, red.Publisher(mc))
	if err != nil {
		return err
	}
	a.power.reconnect, a.sub = mc.Reconnect, mc
	parts := []service.Service{service.Func("mqtt", mc.Run), a, a.inbox.Service(a.publishRefusal)}
	if disks != nil {
		parts = append(parts, disks)
	}
	if probes != nil {
		parts = append(parts, probes)
	}
	group = service.NewGroup(d.Log, parts...)
	mc.Subscribe(sc.HAStatus(), group.HABirth(haSpread))
	mc.Subscribe(sc.Commands(id), a.inbox.Handle)
	d.Log.Info("agent starting", "state_topic", sc.State(id), "interval", cfg.Collect.Interval)
	if err := group.Run(ctx); err != nil {
		return fmt.Errorf("agent %s: %w", id, err)
	}
	return nil
}

// build makes the agent's parts, publishing through pub: the main part,
// the disk loop and the probes (nil when off). It fails only on an
// unreadable evacuation journal.
func build(cfg config.Agent, id string, d Deps, pub publisher) (*Agent, *diskLoop, *probe.Service, error) {
	a := newAgent(cfg, id, d, pub)
	var err error
	if a.evac, err = newEvacuation(cfg.Evacuate); err != nil {
		return nil, nil, nil, err
	}
	var dl *diskLoop
	if d.Collectors.Disks != nil {
		dl = newDiskLoop(a, d.Collectors.Disks, cfg.Collect.SMARTInterval)
		dl.layout = d.Collectors.Layout
		a.refreshDisks = dl.Refresh
	}
	var ps *probe.Service
	if len(cfg.Probes) > 0 {
		sc := cfg.MQTT.Scheme()
		ps = probe.NewService(id, sc, cfg.Probes, func(p string) any {
			return discovery.ProbePayload(id, a.DeviceName(), p, d.Version, sc)
		}, pub, d.Log.With("component", "probes"))
	}
	return a, dl, ps, nil
}

// Discovery is the HA discovery the agent publishes on this machine, by
// topic: the running agent's own code path, one collection deep, with
// nothing sent anywhere (homefleet discovery print).
func Discovery(ctx context.Context, cfg config.Agent, d Deps) (map[string]json.RawMessage, error) {
	d.defaults(cfg)
	id, err := ResolveID(cfg.Device.ID)
	if err != nil {
		return nil, err
	}
	rec := &recording{}
	cfg.Evacuate.Journal = "" // nothing is run here: no journal is read
	a, disks, probes, err := build(cfg, id, d, rec)
	if err != nil {
		return nil, err
	}
	a.publishAll(ctx)
	if disks != nil {
		disks.read(ctx)
	}
	if probes != nil {
		probes.PublishDiscovery(ctx)
	}
	prefix := cfg.MQTT.Scheme().DiscoveryPrefix + "/"
	out := map[string]json.RawMessage{}
	for t, p := range rec.latest {
		if strings.HasPrefix(t, prefix) && len(p) > 0 {
			out[t] = p
		}
	}
	return out, nil
}

// recording is a session that keeps the last payload per topic.
type recording struct{ latest map[string][]byte }

func (r *recording) Publish(_ context.Context, t string, payload []byte, _ bool) error {
	if r.latest == nil {
		r.latest = map[string][]byte{}
	}
	r.latest[t] = payload
	return nil
}
