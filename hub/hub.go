// Package hub runs the hub: one ordered list of services sharing one
// small contract (internal/service). The embedded broker (when no
// external one is configured), the store and the MQTT session come
// first; then each feature package, which owns its service, its MQTT
// handlers and its HA discovery: fleet, disks, wake, schedule, internet
// (public IP, DDNS) and the hub's probes. They stop in reverse order.
package hub

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/homefleet/homefleet/hub/disks"
	"github.com/homefleet/homefleet/hub/feature"
	"github.com/homefleet/homefleet/hub/fleet"
	"github.com/homefleet/homefleet/hub/internet"
	"github.com/homefleet/homefleet/hub/leader"
	"github.com/homefleet/homefleet/hub/schedule"
	"github.com/homefleet/homefleet/hub/store"
	"github.com/homefleet/homefleet/hub/wake"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/inbox"
	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/internal/secret"
	"github.com/homefleet/homefleet/internal/service"
	"github.com/homefleet/homefleet/internal/topic"
)

// haSpread is how long after Home Assistant's birth the hub's features
// start republishing (each at a random moment within it). It is shorter
// than the agents' 5 s: the hub's per-device configs (a Wake and a
// prediction config for every device) are then spread over
// feature.RepublishOver, and all of it must be at the broker within 5 s.
const haSpread = time.Second

// readWindow is how long an incoming message may wait to be read with the
// ones after it (mqttc.Options.Coalesce): at a thousand agents a message
// arrives every 10 ms, and each woke the hub on its own.
const readWindow = 50 * time.Millisecond

// Hub is a running hub.
type Hub struct {
	url, addr string
	brokerURL string // the embedded broker's main listener
	done      chan error
}

// Options replace parts of the hub's environment (tests).
type Options struct {
	Wake       wake.Options
	Supervisor service.Supervisor // nil: nothing watches the hub
}

// Start brings the services up in order and returns once the broker (if
// embedded) listens; Wait blocks until ctx ends and everything stopped.
func Start(ctx context.Context, cfg config.Hub, version string, log *slog.Logger) (*Hub, error) {
	return StartWith(ctx, cfg, version, log, Options{})
}

// StartWith is Start with parts of the environment replaced.
func StartWith(ctx context.Context, cfg config.Hub, version string, log *slog.Logger, o Options) (*Hub, error) {
	var infra []service.Service
	var closers []func() error
	fail := func(err error) (*Hub, error) {
		for i := len(closers) - 1; i >= 0; i-- {
			_ = closers[i]()
		}
		return nil, fmt.Errorf("starting hub: %w", err)
	}
	h := &Hub{done: make(chan error, 1)}
	red := secret.New(config.Secrets(cfg)...) // and the broker logins, once known
	log = slog.New(red.Handler(log.Handler()))
	mqttCfg := cfg.MQTT
	if cfg.Embedded() {
		b, m, err := startEmbedded(cfg, log, red)
		if err != nil {
			return fail(err)
		}
		closers = append(closers, b.Close)
		infra = append(infra, service.Closer("broker", b.Close))
		h.addr, h.brokerURL, mqttCfg = b.Addr(), b.URL(), m
	}
	h.url = mqttCfg.URL
	if cfg.Store != ":memory:" {
		if err := config.EnsureDir(filepath.Dir(cfg.Store)); err != nil {
			return fail(err)
		}
	}
	st, err := store.Open(cfg.Store)
	if err != nil {
		return fail(err)
	}
	st.Redact(red)
	closers = append(closers, st.Close)
	infra = append(infra, service.Closer("store", st.Close))
	var group *service.Group
	var cmds *inbox.Inbox
	sc := mqttCfg.Scheme()
	clientID, status := cmp.Or(mqttCfg.ClientID, "homefleet-hub"), sc.Status(topic.HubID)
	if cfg.Leader.Enabled() { // members share the broker: each its own session and will
		clientID, status = cmp.Or(mqttCfg.ClientID, "homefleet-hub-"+cfg.Leader.Name), sc.HubMemberStatus(cfg.Leader.Name)
	}
	mc, err := mqttc.New(mqttc.Options{
		MQTT: mqttCfg, ClientID: clientID, StatusTopic: status,
		Logger: log.With("component", "mqtt"), OnConnect: func() { group.Announce() },
		Oversize: func(t string, n int) { cmds.Oversize(t, n) },
		Coalesce: readWindow,
	})
	if err != nil {
		return fail(fmt.Errorf("setting up mqtt: %w", err))
	}
	infra = append(infra, service.Func("mqtt", mc.Run))
	env := feature.Env{Scheme: sc, Version: version, Log: log, Store: st, Session: feature.Redacted(mc, red), Now: time.Now,
		Supervisor: cmp.Or[service.Supervisor](o.Supervisor, service.Unsupervised{})}
	if cfg.Leader.Enabled() {
		member, err := leader.New(env, cfg.Leader)
		if err != nil {
			return fail(err)
		}
		member.OnElected(func() { group.Announce() })
		env.Session, env.Duty = member.Gate(env.Session), member
		infra = append(infra, member)
	}
	var cmdService service.Service
	cmds, cmdService = feature.NewCommands(env)
	env.Commands = cmds
	infra = append(infra, cmdService)
	mc.Subscribe(sc.EveryCommand(), cmds.Handle)
	features, err := features(ctx, env, cfg, o)
	if err != nil {
		return fail(err)
	}
	group = service.NewGroup(log, append(infra, features...)...)
	mc.Subscribe(sc.HAStatus(), group.HABirth(haSpread))
	go func() { h.done <- group.Run(ctx) }()
	return h, nil
}

// features is the hub: every feature, in start order.
func features(ctx context.Context, env feature.Env, cfg config.Hub, o Options) ([]service.Service, error) {
	var l list
	l.add(fleet.New(env), nil)
	l.add(disks.New(ctx, env, cfg.Predict.Evacuate))
	l.add(wake.New(ctx, env, cfg.Wake, o.Wake))
	l.add(schedule.New(ctx, env, cfg.Schedules))
	l.add(internet.New(ctx, env, cfg))
	l.add(internet.Probes(env, cfg.Probes), nil)
	return l.services, errors.Join(l.errs...)
}

// list collects services and the errors of building them.
type list struct {
	services []service.Service
	errs     []error
}

func (l *list) add(s service.Service, err error) {
	if err != nil {
		l.errs = append(l.errs, err)
		return
	}
	l.services = append(l.services, s)
}

// BrokerURL is the broker the hub is connected to.
func (h *Hub) BrokerURL() string { return h.url }

// localAddr is the plain loopback address of the embedded broker the
// hub's session uses (tests).
func (h *Hub) localAddr() string { return strings.TrimPrefix(h.url, "mqtt://") }

// ListenURL is the embedded broker's URL for other machines (mqtts://
// with TLS), or "" when external.
func (h *Hub) ListenURL() string { return h.brokerURL }

// BrokerAddr is the embedded broker's listen address, or "" when external.
func (h *Hub) BrokerAddr() string { return h.addr }

// Wait blocks until every service stopped (the broker and the store are
// closed last).
func (h *Hub) Wait() error {
	if err := <-h.done; err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	return nil
}
