// Package agent runs the per-device loop: collect host readings, publish
// the state document on change or heartbeat, keep HA discovery in step
// with the entities that exist, and answer commands.
package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"strings"
	"time"

	"github.com/homefleet/homefleet/agent/collect/host"
	"github.com/homefleet/homefleet/agent/collect/netid"
	"github.com/homefleet/homefleet/agent/power"
	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/hub/wake"
	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// ErrUnknownVerb rejects a command the agent does not know.
var ErrUnknownVerb = errors.New("unknown command verb")

type publisher interface {
	Publish(ctx context.Context, topic string, payload []byte, retain bool) error
}

type collector interface {
	Collect(ctx context.Context) (host.Sample, error)
	Facts(ctx context.Context) (host.Facts, error)
}

// Options configures an Agent.
type Options struct {
	ID        string // stable device id
	Name      string // HA device name; empty: the hostname
	Version   string
	Interval  time.Duration
	Heartbeat time.Duration
	Scheme    topic.Scheme
	Logger    *slog.Logger
	// HADelay bounds the random delay before republishing after HA's birth
	// message, so a restarting HA is not hit by every agent at once.
	HADelay time.Duration
	Now     func() time.Time
	// Trim, when set, runs once per heartbeat after publishing, to give
	// memory back to the OS (a small daemon's RSS is mostly garbage).
	Trim func()
	// Power runs the power verbs listed in AllowPower (none by default).
	Power      power.Backend
	AllowPower []string
	// Reconnect, when set, drops and re-opens the MQTT session at once; it
	// is called when the wall clock jumps (the machine resumed from sleep).
	Reconnect func()
}

type command struct {
	verb     string
	payload  []byte
	retained bool
}

// Agent is one device's loop. Handlers may be called from any goroutine;
// everything else is owned by Run.
type Agent struct {
	opts      Options
	col       collector
	log       *slog.Logger
	connected chan struct{}
	haOnline  chan struct{}
	commands  chan command

	facts       host.Facts
	factsAt     time.Time
	cur         wire.State
	haveCur     bool
	pub         wire.State
	pubAt       time.Time
	pubOK       bool
	disc        discovery.Payload
	discState   wire.State
	discOK      bool
	collectFail bool
	disks       *diskLoop // nil when SMART is off
	netRead     func() ([]netid.Interface, error)
	netDoc      []byte   // last published network identity, without its timestamp
	netDue      bool     // re-read the network identity at the next publish
	offered     []string // power verbs allowed and offered by the OS
	idle        *idleState
	relaySend   wake.Sender // sends relayed magic packets (nil: no relaying)
	jobs        *jobs
	lastTick    time.Time // wall clock of the previous tick, to notice a resume
}

// New returns an agent over col.
func New(opts Options, col collector) *Agent {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HADelay == 0 {
		opts.HADelay = 5 * time.Second
	}
	return &Agent{
		opts:      opts,
		col:       col,
		log:       opts.Logger,
		connected: make(chan struct{}, 1),
		haOnline:  make(chan struct{}, 1),
		commands:  make(chan command, 64),
	}
}

// Connected tells the loop the session is (re)established: it republishes
// discovery and state. Safe to call from the MQTT client.
func (a *Agent) Connected() {
	signal(a.connected)
	if a.disks != nil {
		signal(a.disks.connected)
	}
}

// WithNet publishes the network identity from read on connect and when
// it changes (checked every heartbeat).
func (a *Agent) WithNet(read func() ([]netid.Interface, error)) *Agent {
	a.netRead = read
	return a
}

// WithRelay lets the hub ask this agent to send magic packets on its own
// subnets (cmd/wake-relay).
func (a *Agent) WithRelay(s wake.Sender) *Agent {
	a.relaySend = s
	return a
}

// WithDisks adds SMART reading every interval.
func (a *Agent) WithDisks(r diskReader, interval time.Duration) *Agent {
	a.disks = newDiskLoop(a, r, interval)
	return a
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// HandleHAStatus reacts to HA's birth message on homeassistant/status.
func (a *Agent) HandleHAStatus(_ string, payload []byte, _ bool) error {
	switch string(payload) {
	case "online":
		signal(a.haOnline)
		return nil
	case "offline":
		return nil
	default:
		return fmt.Errorf("unexpected HA status payload %.40q", payload)
	}
}

// HandleCommand queues a command for the loop.
func (a *Agent) HandleCommand(t string, payload []byte, retained bool) error {
	verb, ok := a.opts.Scheme.ParseCommand(a.opts.ID, t)
	if !ok {
		return fmt.Errorf("not a command topic of %s", a.opts.ID)
	}
	if len(payload) == 0 || verb == "wake" {
		return nil // clearing a retained command; waking is the hub's job
	}
	select {
	case a.commands <- command{verb: verb, payload: payload, retained: retained}:
		return nil
	default:
		return errors.New("command queue full, command dropped")
	}
}

// Run collects and publishes until ctx ends.
func (a *Agent) Run(ctx context.Context, pub publisher) error {
	if a.jobs != nil {
		defer a.jobs.wg.Wait() // running jobs end with ctx
	}
	if a.disks != nil {
		done := make(chan struct{})
		defer func() { <-done }()
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			defer close(done)
			_ = a.disks.run(ctx, pub)
		}()
		return a.runHost(ctx, pub)
	}
	return a.runHost(ctx, pub)
}

func (a *Agent) runHost(ctx context.Context, pub publisher) error {
	tick := time.NewTicker(a.opts.Interval)
	defer tick.Stop()
	var haTimer <-chan time.Time
	a.collect(ctx) // publishing waits for the connection (Connected)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			a.noticeResume(ctx, pub)
			a.cycle(ctx, pub, false)
		case <-a.connected:
			a.publishAll(ctx, pub)
			if a.opts.Trim != nil {
				a.opts.Trim() // start-up work is done: give its memory back
			}
		case <-a.haOnline:
			if haTimer == nil {
				haTimer = time.After(rand.N(a.opts.HADelay)) //nolint:gosec // jitter
			}
		case <-haTimer:
			haTimer = nil
			a.log.Info("home assistant restarted: republishing discovery and state")
			a.publishAll(ctx, pub)
		case c := <-a.commands:
			a.command(ctx, pub, c)
		}
	}
}

// cycle collects once and publishes what changed.
func (a *Agent) cycle(ctx context.Context, pub publisher, force bool) {
	if !a.collect(ctx) {
		return
	}
	now := a.opts.Now()
	if !a.discOK || !sameEntities(a.discState, a.cur) {
		if a.discOK {
			a.log.Info("entities changed: updating discovery",
				"mounts", len(a.cur.FS), "disks", len(a.cur.IO), "interfaces", len(a.cur.Net), "sensors", len(a.cur.Temp))
		}
		a.publishDiscovery(ctx, pub)
	}
	if force || !a.pubOK || changed(a.pub, a.cur) || now.Sub(a.pubAt) >= a.opts.Heartbeat {
		a.publishState(ctx, pub, now)
	}
	if a.netDue {
		a.publishNet(ctx, pub, false)
		if a.opts.Trim != nil {
			a.opts.Trim()
		}
	}
}

// publishNet publishes the network identity when it changed (or always).
func (a *Agent) publishNet(ctx context.Context, pub publisher, always bool) {
	if a.netRead == nil {
		return
	}
	ifs, err := a.netRead()
	if err != nil {
		a.log.Debug("reading network identity", "err", err)
		return
	}
	doc := NetToWire(ifs, a.opts.Now())
	doc.TS = 0
	key, _ := json.Marshal(doc)
	if !always && string(key) == string(a.netDoc) {
		a.netDue = false
		return
	}
	doc.TS = a.opts.Now().Unix()
	if a.send(ctx, pub, a.opts.Scheme.Net(a.opts.ID), doc, true) {
		a.netDoc, a.netDue = key, false
	}
}

// collect reads the host into a.cur; false when the read failed.
func (a *Agent) collect(ctx context.Context) bool {
	now := a.opts.Now()
	if a.factsAt.IsZero() || now.Sub(a.factsAt) >= a.opts.Heartbeat {
		if f, err := a.col.Facts(ctx); err == nil {
			a.facts, a.factsAt = f, now
		} else {
			a.log.Debug("reading facts", "err", err)
		}
		a.netDue = true
	}
	s, err := a.col.Collect(ctx)
	if err != nil {
		if !a.collectFail {
			a.log.Warn("collecting host metrics", "err", err)
		}
		a.collectFail = true
		return false
	}
	a.collectFail = false
	a.cur, a.haveCur = ToWire(s, a.facts, a.opts.Version), true
	a.evaluateIdle(ctx, now)
	return true
}

func (a *Agent) publishAll(ctx context.Context, pub publisher) {
	a.offered = a.offeredVerbs(ctx)
	if !a.haveCur {
		a.cycle(ctx, pub, true)
		return
	}
	a.publishDiscovery(ctx, pub)
	a.publishState(ctx, pub, a.opts.Now())
	a.publishNet(ctx, pub, true)
}

func (a *Agent) host() discovery.Host {
	name := a.opts.Name
	if name == "" {
		name = a.facts.Hostname
	}
	if name == "" {
		name = a.opts.ID
	}
	return discovery.Host{ID: a.opts.ID, Name: name, Model: discovery.Model(a.facts.OS, runtime.GOOS, a.facts.Arch), Version: a.opts.Version, Power: a.offered}
}

func (a *Agent) publishDiscovery(ctx context.Context, pub publisher) {
	next := discovery.HostPayload(a.host(), a.cur, a.opts.Scheme)
	t := a.opts.Scheme.Discovery(a.opts.ID)
	if a.discOK {
		if tomb, ok := discovery.Removed(a.disc, next); ok {
			if !a.send(ctx, pub, t, tomb, true) {
				return
			}
		}
	}
	if a.send(ctx, pub, t, next, true) {
		a.disc, a.discState, a.discOK = next, a.cur, true
	}
}

func (a *Agent) publishState(ctx context.Context, pub publisher, now time.Time) {
	if a.send(ctx, pub, a.opts.Scheme.State(a.opts.ID), a.cur, true) {
		a.pub, a.pubAt, a.pubOK = a.cur, now, true
	}
}

// send encodes and publishes v; failures are logged here, the boundary.
func (a *Agent) send(ctx context.Context, pub publisher, t string, v any, retain bool) bool {
	if err := mqttc.PublishJSON(ctx, pub, t, v, retain); err != nil {
		a.log.Debug("publish failed; will resend on reconnect", "topic", t, "err", err)
		return false
	}
	return true
}

func (a *Agent) command(ctx context.Context, pub publisher, c command) {
	ev := wire.Event{V: 1, TS: a.opts.Now().Unix(), Type: "command", Verb: c.verb}
	var cmd wire.Command
	var err error
	if c.verb != "keep_awake" { // a switch: ON or OFF, not a command body
		cmd, err = wire.ParseCommand(c.payload, a.opts.Now())
	}
	ev.ID = cmd.ID
	switch {
	case c.retained:
		err = wire.ErrRetained
		// Clear it, so the broker does not replay it on every reconnect.
		if perr := pub.Publish(ctx, a.opts.Scheme.Command(a.opts.ID, c.verb), nil, true); perr != nil {
			a.log.Debug("clearing retained command", "err", perr)
		}

	case err == nil:
		err = a.execute(ctx, pub, c.verb, cmd, c.payload)
	}
	if err != nil {
		ev.Reason = err.Error()
		a.log.Warn("command rejected", "verb", c.verb, "reason", err)
	} else {
		ev.OK = true
	}
	a.send(ctx, pub, a.opts.Scheme.Event(a.opts.ID), ev, false)
}

func (a *Agent) execute(ctx context.Context, pub publisher, verb string, cmd wire.Command, payload []byte) error {
	if v, err := power.ParseVerb(verb); err == nil {
		return a.powerVerb(ctx, pub, v, cmd.Force)
	}
	switch verb {
	case "refresh":
		a.cycle(ctx, pub, true)
		if a.disks != nil {
			signal(a.disks.refresh)
		}
		return nil
	case "keep_awake":
		return a.keepAwake(ctx, pub, payload)
	case "wake-relay":
		return a.relayWake(ctx, cmd)
	}
	if job, ok := strings.CutPrefix(verb, "run/"); ok {
		return a.startJob(ctx, pub, job, cmd)
	}
	return fmt.Errorf("%w %q", ErrUnknownVerb, verb)
}
