// Package wake is the hub feature that wakes machines: it learns wake
// targets from the agents' network identities (and the config), answers
// HA's Wake buttons (homefleet/<device>/cmd/wake) with magic packets sent
// directly or relayed by an awake agent on the target's subnet, and
// confirms through the device's availability (or a TCP port).
package wake

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/homefleet/homefleet/hub/feature"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/inbox"
	"github.com/homefleet/homefleet/internal/netid"
	"github.com/homefleet/homefleet/internal/service"
	"github.com/homefleet/homefleet/internal/wire"
	"github.com/homefleet/homefleet/internal/wol"
)

// ErrNoTarget refuses a wake for a device the hub cannot wake.
var ErrNoTarget = errors.New("no wake target known")

// ErrNotSent is a wake the hub may not send (it lost the lead).
var ErrNotSent = errors.New("wake not sent")

// probeEvery is how often targets without an agent are probed over TCP
// for their Awake state.
const probeEvery = 30 * time.Second

// Options replace the hub's network side (tests record packets and fake
// the hub's subnets).
type Options struct {
	Sender wol.Sender // default wol.Auto (UDP, raw frames on the hub's own subnets)
	// LocalBroadcasts maps the hub's own subnets' broadcasts to their
	// interface: those get a raw Ethernet frame too; a target on another
	// subnet is woken through an awake agent there (wake-relay).
	LocalBroadcasts func() map[string]string
	Tick            time.Duration // how often pending wakes are checked (default 1s)
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
	device string
}

type statusMsg struct {
	device string
	online bool
}

type netMsg struct {
	device string
	doc    wire.Net
}

// Service is the wake feature. Handlers queue; Run owns every map.
type Service struct {
	env  feature.Env
	cfg  config.Wake
	opts Options

	reqs    chan wakeReq
	status  *service.Mailbox[statusMsg]
	resend  chan struct{}
	repub   *feature.Republisher[string]
	netMsgs *service.Mailbox[netMsg]

	targets map[string]*target
	online  map[string]bool
	pending map[string]*pendingWake
	sent    map[string]bool
	probed  time.Time // last availability probe of targets without an agent
}

// New builds the service from the configured targets and those stored
// from earlier identities, and subscribes to identities, availability and
// Wake commands.
func New(ctx context.Context, env feature.Env, cfg config.Wake, o Options) (*Service, error) {
	if o.Sender == nil {
		o.Sender = wol.Auto{}
	}
	if o.LocalBroadcasts == nil {
		o.LocalBroadcasts = netid.Broadcasts
	}
	if o.Tick == 0 {
		o.Tick = time.Second
	}
	w := &Service{
		env: env.Named("wake"), cfg: cfg, opts: o,
		netMsgs: service.NewMailbox[netMsg](64), reqs: make(chan wakeReq, 16), status: service.NewMailbox[statusMsg](256), resend: make(chan struct{}, 1), repub: feature.NewRepublisher[string](),
		targets: map[string]*target{}, online: map[string]bool{}, pending: map[string]*pendingWake{}, sent: map[string]bool{},
	}
	for _, t := range cfg.Targets {
		mac, err := wol.ParseMAC(t.MAC)
		if err != nil {
			return nil, fmt.Errorf("wake target %s: %w", t.Name, err)
		}
		pw, err := wol.ParsePassword(t.Password)
		if err != nil {
			return nil, fmt.Errorf("wake target %s: %w", t.Name, err)
		}
		w.targets[t.Name] = &target{name: t.Name, macs: []net.HardwareAddr{mac}, broadcasts: []string{t.Broadcast}, confirmTCP: t.ConfirmTCP, password: pw, static: true}
	}
	if err := w.load(ctx); err != nil {
		return nil, err
	}
	sc := env.Scheme
	env.Session.Subscribe(sc.AllNet(), w.handleNet)
	env.Session.Subscribe(sc.AllStatus(), w.handleStatus)
	env.Commands.On("+", "wake", inbox.Press, w.handleWake)
	return w, nil
}

// Name implements service.Service.
func (w *Service) Name() string { return "wake" }

// Announce republishes every target's discovery.
func (w *Service) Announce() { service.Nudge(w.resend) }

func (w *Service) handleNet(t string, payload []byte, _ bool) error {
	dev, doc, ok, err := feature.DecodeNet(w.env.Scheme, t, payload)
	if !ok {
		return err
	}
	w.netMsgs.Put(dev, netMsg{dev, doc})
	return nil
}

// handleWake queues an admitted Wake press (the hub's inbox checked it).
func (w *Service) handleWake(c inbox.Command) error {
	return service.Enqueue(w.reqs, wakeReq{c.Device}, "wake request for "+c.Device)
}

// handleStatus hears every availability message (the confirmation).
func (w *Service) handleStatus(t string, payload []byte, _ bool) error {
	dev, online, ok, _ := w.env.Scheme.ParseAvailability(t, payload)
	if !ok {
		return nil // the fleet service reports garbage once
	}
	w.status.Put(dev, statusMsg{dev, online})
	return nil
}

// Run wakes until ctx ends.
func (w *Service) Run(ctx context.Context) error {
	t := time.NewTicker(w.opts.Tick)
	defer t.Stop()
	defer w.repub.Wait()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-w.resend:
			w.sent = map[string]bool{}
			w.publishAllDiscovery(ctx)
		case sent := <-w.repub.Done():
			for dev, ok := range sent {
				w.sent[dev] = ok // a failed one goes again with the device's next identity
			}
		case m := <-w.netMsgs.C():
			w.learn(ctx, m)
		case <-w.netMsgs.More():
			w.learnAll(ctx)
		case st := <-w.status.C():
			w.setOnline(ctx, st)
		case <-w.status.More():
			w.setAllOnline(ctx)
		case r := <-w.reqs:
			w.drain(ctx) // decide on the latest availability and identities
			w.request(ctx, r)
		case <-t.C:
			w.check(ctx)
		}
	}
}
