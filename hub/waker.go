package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/hub/store"
	"github.com/homefleet/homefleet/hub/wake"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// Wake errors, the reasons of rejection events.
var (
	ErrNoTarget = errors.New("no wake target known")
)

// WakeResult is the hub's document on homefleet/hub/wake/<device>.
type WakeResult struct {
	V             int     `json:"v"`
	TS            int64   `json:"ts"`
	Result        string  `json:"result"` // sent, woke, failed, already_awake
	LatencyS      float64 `json:"latency_s"`
	FirstPacketMS float64 `json:"first_packet_ms"`
	Packets       int     `json:"packets"`
}

type target struct {
	name       string // display name (static targets)
	macs       []net.HardwareAddr
	broadcasts []string
	confirmTCP string
	password   []byte
	static     bool
}

type pendingWake struct {
	start, deadline, next time.Time
	first                 time.Duration
	packets, rounds       int
}

type wakeReq struct {
	device   string
	payload  []byte
	retained bool
}

type statusMsg struct {
	device string
	online bool
}

// waker learns wake targets from the agents' network identities, answers
// Wake buttons and confirms through availability (or a TCP port).
type waker struct {
	sc      topic.Scheme
	version string
	log     *slog.Logger
	cfg     config.Wake
	send    wake.Sender
	now     func() time.Time
	tick    time.Duration

	reqs    chan wakeReq
	status  chan statusMsg
	resend  chan struct{}
	netMsgs chan netMsg

	targets map[string]*target
	online  map[string]bool
	pending map[string]*pendingWake
	sent    map[string]bool
	probed  time.Time // last availability probe of targets without an agent
	// localBroadcasts maps the hub's own subnets' broadcasts to their
	// interface: those get a raw Ethernet frame too; a target on another
	// subnet is woken through an awake agent there (wake-relay).
	localBroadcasts func() map[string]string
	st              *store.Store // keeps learned targets across restarts (nil: memory only)
}

// probeEvery is how often targets without an agent are probed over TCP
// for their Awake state.
const probeEvery = 30 * time.Second

type netMsg struct {
	device string
	doc    wire.Net
}

func newWaker(sc topic.Scheme, version string, cfg config.Wake, send wake.Sender, log *slog.Logger) (*waker, error) {
	w := &waker{
		sc: sc, version: version, log: log, cfg: cfg, send: send, now: time.Now, tick: time.Second,
		netMsgs: make(chan netMsg, 64), reqs: make(chan wakeReq, 16), status: make(chan statusMsg, 256), resend: make(chan struct{}, 1),
		targets: map[string]*target{}, online: map[string]bool{}, pending: map[string]*pendingWake{}, sent: map[string]bool{},
		localBroadcasts: hostBroadcasts,
	}
	for _, t := range cfg.Targets {
		mac, err := wake.ParseMAC(t.MAC)
		if err != nil {
			return nil, fmt.Errorf("wake target %s: %w", t.Name, err)
		}
		pw, err := wake.ParsePassword(t.Password)
		if err != nil {
			return nil, fmt.Errorf("wake target %s: %w", t.Name, err)
		}
		w.targets[t.Name] = &target{name: t.Name, macs: []net.HardwareAddr{mac}, broadcasts: []string{t.Broadcast}, confirmTCP: t.ConfirmTCP, password: pw, static: true}
	}
	return w, nil
}

func (w *waker) connected() { nudge(w.resend) }

func (w *waker) handleNet(t string, payload []byte, _ bool) error {
	dev, ok := w.sc.ParseDevice(t)
	if !ok || len(payload) == 0 {
		return nil
	}
	doc, err := wire.DecodeNet(payload)
	if err != nil {
		return err
	}
	select {
	case w.netMsgs <- netMsg{dev, doc}:
		return nil
	default:
		return fmt.Errorf("net queue full, identity of %s dropped", dev)
	}
}

func (w *waker) handleWake(t string, payload []byte, retained bool) error {
	dev, ok := w.sc.ParseDevice(t)
	if !ok || len(payload) == 0 { // empty: a retained command being cleared
		return nil
	}
	select {
	case w.reqs <- wakeReq{dev, payload, retained}:
		return nil
	default:
		return fmt.Errorf("wake queue full, request for %s dropped", dev)
	}
}

// statusChanged is called by the fleet on every availability change.
func (w *waker) statusChanged(device, status string) {
	select {
	case w.status <- statusMsg{device, status == mqttc.Online}:
	default:
	}
}

func (w *waker) run(ctx context.Context, pub publisher) error {
	t := time.NewTicker(w.tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-w.resend:
			w.sent = map[string]bool{}
			for dev := range w.targets {
				w.publishDiscovery(ctx, pub, dev)
			}
		case m := <-w.netMsgs:
			w.learn(ctx, pub, m)
		case st := <-w.status:
			w.setOnline(ctx, pub, st)
		case r := <-w.reqs:
			w.drain(ctx, pub) // decide on the latest availability and identities
			w.request(ctx, pub, r)
		case <-t.C:
			w.check(ctx, pub)
		}
	}
}

// load restores the targets learned before a restart: a device asleep
// now will not publish its identity again until it wakes.
func (w *waker) load(ctx context.Context) error {
	if w.st == nil {
		return nil
	}
	docs, err := w.st.WakeTargets(ctx)
	if err != nil {
		return err
	}
	for dev, b := range docs {
		if doc, err := wire.DecodeNet(b); err == nil {
			w.apply(dev, doc)
		}
	}
	return nil
}

// drain applies every queued availability change and identity.
func (w *waker) drain(ctx context.Context, pub publisher) {
	for {
		select {
		case m := <-w.netMsgs:
			w.learn(ctx, pub, m)
		case st := <-w.status:
			w.setOnline(ctx, pub, st)
		default:
			return
		}
	}
}

func (w *waker) setOnline(ctx context.Context, pub publisher, st statusMsg) {
	w.online[st.device] = st.online
	if p := w.pending[st.device]; p != nil && st.online {
		w.finish(ctx, pub, st.device, p, true)
	}
}

func (w *waker) learn(ctx context.Context, pub publisher, m netMsg) {
	if !w.apply(m.device, m.doc) {
		return
	}
	if w.st != nil {
		if b, err := json.Marshal(m.doc); err == nil {
			if err := w.st.SaveWakeTarget(ctx, m.device, b); err != nil {
				w.log.Warn("storing wake target", "device", m.device, "err", err)
			}
		}
	}
	w.publishDiscovery(ctx, pub, m.device)
}

// apply sets a learned target; configured targets win.
func (w *waker) apply(dev string, doc wire.Net) bool {
	t := w.targets[dev]
	if t != nil && t.static {
		return false
	}
	if t == nil {
		t = &target{}
		w.targets[dev] = t
	}
	t.macs, t.broadcasts = nil, nil
	for _, i := range doc.Interfaces {
		if mac, err := wake.ParseMAC(i.MAC); err == nil {
			t.macs = append(t.macs, mac)
		}
		t.broadcasts = append(t.broadcasts, i.Broadcast...)
	}
	return true
}

func (w *waker) publishDiscovery(ctx context.Context, pub publisher, dev string) {
	if w.sent[dev] {
		return
	}
	t := w.targets[dev]
	if err := mqttc.PublishJSON(ctx, pub, w.sc.Discovery(dev+"_wake"), discovery.WakePayload(DeviceID, dev, t.name, w.version, w.sc), true); err == nil {
		w.sent[dev] = true
	}
}

func (w *waker) request(ctx context.Context, pub publisher, r wakeReq) {
	reject := func(err error) {
		w.log.Warn("wake refused", "device", r.device, "reason", err)
		w.event(ctx, pub, r.device, wire.Event{OK: false, Reason: err.Error()})
	}
	if r.retained {
		reject(wire.ErrRetained)
		_ = pub.Publish(ctx, w.sc.Command(r.device, "wake"), nil, true)
		return
	}
	if _, err := wire.ParseCommand(r.payload, w.now()); err != nil {
		reject(err)
		return
	}
	t := w.targets[r.device]
	if t == nil || len(t.macs) == 0 {
		reject(fmt.Errorf("%w for %q: its agent never published %s; add it to wake.targets", ErrNoTarget, r.device, w.sc.Net(r.device)))
		return
	}
	if w.online[r.device] {
		w.result(ctx, pub, r.device, WakeResult{Result: "already_awake"})
		w.event(ctx, pub, r.device, wire.Event{OK: true, Reason: "already awake"})
		return
	}
	if w.pending[r.device] != nil {
		return // a wake is in progress; its result will be reported
	}
	p := &pendingWake{start: w.now()}
	p.deadline = p.start.Add(w.cfg.Timeout)
	w.pending[r.device] = p
	w.sendRound(ctx, pub, r.device, t, p)
	w.result(ctx, pub, r.device, WakeResult{Result: "sent", FirstPacketMS: ms(p.first), Packets: p.packets})
}

func (w *waker) sendRound(ctx context.Context, pub publisher, dev string, t *target, p *pendingWake) {
	direct, relayed := w.route(ctx, pub, dev, t)
	p.packets += relayed
	for _, mac := range t.macs {
		r, err := wake.Send(context.Background(), w.send, wake.Target{Name: dev, MAC: mac, Addresses: direct, Password: t.password}, wake.Options{Repeats: 3, Spacing: 100 * time.Millisecond})
		if err != nil {
			w.log.Warn("sending magic packets", "device", dev, "err", err)
			continue
		}
		if p.packets == 0 {
			p.first = w.now().Sub(p.start)
			if p.first < r.FirstPacket {
				p.first = r.FirstPacket
			}
		}
		p.packets += r.Packets
	}
	p.rounds++
	p.next = w.now().Add(w.cfg.Timeout / time.Duration(w.cfg.Retries+1))
}

func (w *waker) check(ctx context.Context, pub publisher) {
	now := w.now()
	if now.Sub(w.probed) >= probeEvery {
		w.probed = now
		w.probeStatic(ctx, pub)
	}
	for dev, p := range w.pending {
		t := w.targets[dev]
		switch {
		case t.confirmTCP != "" && wake.TCPAwake(t.confirmTCP)(ctx):
			w.finish(ctx, pub, dev, p, true)
		case now.After(p.deadline):
			w.finish(ctx, pub, dev, p, false)
		case now.After(p.next) && p.rounds <= w.cfg.Retries:
			w.sendRound(ctx, pub, dev, t, p)
		}
	}
}

func (w *waker) finish(ctx context.Context, pub publisher, dev string, p *pendingWake, ok bool) {
	delete(w.pending, dev)
	lat := w.now().Sub(p.start)
	res, trig, ev := "woke", discovery.TriggerWoke, wire.Event{OK: true, LatencyMS: lat.Milliseconds()}
	if !ok {
		res, trig = "failed", discovery.TriggerWakeFailed
		ev = wire.Event{OK: false, Reason: fmt.Sprintf("%s after %d rounds of magic packets", wake.ErrNotAwake, p.rounds)}
	}
	w.log.Info("wake finished", "device", dev, "result", res, "latency", lat.Round(time.Millisecond))
	w.result(ctx, pub, dev, WakeResult{Result: res, LatencyS: lat.Seconds(), FirstPacketMS: ms(p.first), Packets: p.packets})
	w.event(ctx, pub, dev, ev)
	if err := pub.Publish(ctx, w.sc.HubWakeTrigger(dev), []byte(trig), false); err != nil {
		w.log.Warn("firing wake trigger", "device", dev, "err", err)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (w *waker) result(ctx context.Context, pub publisher, dev string, r WakeResult) {
	r.V, r.TS = 1, w.now().Unix()
	if err := mqttc.PublishJSON(ctx, pub, w.sc.HubWake(dev), r, true); err != nil {
		w.log.Debug("publishing wake result", "device", dev, "err", err)
	}
}

func (w *waker) event(ctx context.Context, pub publisher, dev string, e wire.Event) {
	e.V, e.TS, e.Type, e.Verb = 1, w.now().Unix(), "wake", "wake"
	if err := mqttc.PublishJSON(ctx, pub, w.sc.Event(dev), e, false); err != nil {
		w.log.Debug("publishing wake event", "device", dev, "err", err)
	}
}
