package agent

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/homefleet/homefleet/agent/collect/host"
	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/inbox"
	"github.com/homefleet/homefleet/internal/service"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

type publisher interface {
	Publish(ctx context.Context, topic string, payload []byte, retain bool) error
}

// options are the agent's settings.
type options struct {
	ID        string // stable device id
	Name      string // HA device name; empty: the hostname
	Version   string
	Interval  time.Duration
	Heartbeat time.Duration
	Scheme    topic.Scheme
	Log       *slog.Logger
	Now       func() time.Time
	Trim      func()
	Machine   string // Fingerprint of this machine, published in the state
	TakeOver  bool   // device.take_over
}

// readings is what the last collection read.
type readings struct {
	facts   host.Facts
	factsAt time.Time
	cur     wire.State
	have    bool
	failing bool // the last read failed (warned once)
}

// sent is what HA was last told.
type sent struct {
	state     wire.State
	stateAt   time.Time
	stateOK   bool
	disc      discovery.Payload
	discState wire.State // the state the discovery was built from
	discOK    bool
}

// Agent is the agent's main part: host readings, the state document and
// HA discovery, the network identity, idle, and the commands. Handlers
// may be called from any goroutine; everything else is owned by Run.
type Agent struct {
	opts     options
	host     hostReader
	pub      publisher
	sub      subscriber // nil: no claim on start (tests without a broker)
	claimed  bool
	commands chan inbox.Command
	inbox    *inbox.Inbox
	announce chan struct{}
	super    service.Supervisor

	read  readings
	sent  sent
	net   *netIdentity // nil: not published
	power powerVerbs
	idle  *idleState // nil: no Idle sensor
	jobs  *jobs
	evac  *evacuation // nil: evacuate not configured
	// refreshDisks asks the disk loop for a read (cmd/refresh); nil
	// without SMART.
	refreshDisks func()
	hostname     atomic.Pointer[string] // from the facts; read by the disk loop too
}

// newAgent builds the main part from cfg; pub is the MQTT session.
func newAgent(cfg config.Agent, id string, d Deps, pub publisher) *Agent {
	a := &Agent{
		opts: options{ID: id, Name: cfg.Device.Name, Version: d.Version, Interval: cfg.Collect.Interval, Heartbeat: cfg.Collect.Heartbeat,
			Scheme: cfg.MQTT.Scheme(), Log: d.Log, Now: d.Now, Trim: d.Trim, Machine: d.Machine, TakeOver: cfg.Device.TakeOver},
		host:     d.Collectors.Host,
		pub:      pub,
		commands: make(chan inbox.Command, 64),
		announce: make(chan struct{}, 1),
		super:    d.Supervisor,
		power:    powerVerbs{backend: d.Power, allow: cfg.Power.Allow},
		jobs:     newJobs(cfg.Jobs),
		idle:     newIdle(d.Collectors.Idle, cfg.Idle),
	}
	if d.Collectors.Net != nil {
		a.net = &netIdentity{read: d.Collectors.Net, relay: d.Relay}
	}
	a.inbox = a.newInbox()
	return a
}

// Name implements service.Service.
func (a *Agent) Name() string { return "host" }

// Announce republishes discovery, state and network identity (after a
// connect, or HA's birth).
func (a *Agent) Announce() { service.Nudge(a.announce) }

// Run collects and publishes until ctx ends; running jobs end with it.
func (a *Agent) Run(ctx context.Context) error {
	defer a.jobs.wait()
	defer a.evac.wait()
	tick := time.NewTicker(a.opts.Interval)
	defer tick.Stop()
	watchdog, stop := service.Watchdog(a.super)
	defer stop()
	a.collect(ctx) // publishing waits for the connection (Announce)
	if a.opts.Trim != nil {
		a.opts.Trim() // the first reading's pages go before the connection's are added
	}
	a.resumeEvacuations(ctx)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-watchdog:
			a.super.Alive() // from this loop: a hung cycle stops the pings
		case <-tick.C:
			a.noticeResume(ctx)
			a.cycle(ctx, false)
		case <-a.announce:
			if !a.claimed {
				if err := a.claim(ctx); err != nil {
					return err
				}
				a.claimed = true
			}
			a.publishAll(ctx)
			if a.sent.discOK {
				a.super.Ready()
			}
			if a.opts.Trim != nil {
				a.opts.Trim() // start-up work is done: give its memory back
			}
		case c := <-a.commands:
			a.command(ctx, c)
		case <-a.jobs.ended:
			a.publishState(ctx, a.opts.Now())
		}
	}
}

// cycle collects once and publishes what changed.
func (a *Agent) cycle(ctx context.Context, force bool) {
	if !a.collect(ctx) {
		return
	}
	now := a.opts.Now()
	if !a.sent.discOK || !sameEntities(a.sent.discState, a.read.cur) {
		if a.sent.discOK {
			cur := a.read.cur
			a.opts.Log.Info("entities changed: updating discovery",
				"mounts", len(cur.FS), "disks", len(cur.IO), "interfaces", len(cur.Net), "sensors", len(cur.Temp))
		}
		a.publishDiscovery(ctx)
	}
	if force || !a.sent.stateOK || changed(a.sent.state, a.read.cur) || now.Sub(a.sent.stateAt) >= a.opts.Heartbeat {
		a.publishState(ctx, now)
	}
	if a.net != nil && a.net.due {
		a.publishNet(ctx, false)
		if a.opts.Trim != nil {
			a.opts.Trim()
		}
	}
}

// collect reads the host into a.read; false when the read failed.
func (a *Agent) collect(ctx context.Context) bool {
	now := a.opts.Now()
	r := &a.read
	if r.factsAt.IsZero() || now.Sub(r.factsAt) >= a.opts.Heartbeat {
		if f, err := a.host.Facts(ctx); err == nil {
			r.facts, r.factsAt = f, now
			a.hostname.Store(&f.Hostname)
		} else {
			a.opts.Log.Debug("reading facts", "err", err)
		}
		if a.net != nil {
			a.net.due = true
		}
	}
	s, err := a.host.Collect(ctx)
	if err != nil {
		if !r.failing {
			a.opts.Log.Warn("collecting host metrics", "err", err)
		}
		r.failing = true
		return false
	}
	r.failing = false
	r.cur, r.have = ToWire(s, r.facts, a.opts.Version), true
	r.cur.Facts.Machine = a.opts.Machine
	a.evaluateIdle(ctx, now)
	return true
}
