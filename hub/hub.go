// Package hub runs the hub's ordered services: the embedded broker (when
// no external broker is configured), the MQTT session, then the fleet
// registry; they stop in reverse order.
package hub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"golang.org/x/sync/errgroup"

	"github.com/homefleet/homefleet/hub/predict"
	"github.com/homefleet/homefleet/hub/store"
	"github.com/homefleet/homefleet/hub/wake"
	"github.com/homefleet/homefleet/internal/broker"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/probe"
)

// DeviceID is the hub's own device id in topics and HA.
const DeviceID = "hub"

// Hub is a running hub.
type Hub struct {
	broker *broker.Broker
	store  *store.Store
	url    string
	g      *errgroup.Group
	log    *slog.Logger
}

// Start brings the services up in order and returns once the broker (if
// embedded) listens; Wait blocks until ctx ends and everything stopped.
func Start(ctx context.Context, cfg config.Hub, version string, log *slog.Logger) (*Hub, error) {
	return start(ctx, cfg, version, log, wake.Auto{}, nil)
}

// start lets tests record magic packets and fake the hub's subnets.
func start(ctx context.Context, cfg config.Hub, version string, log *slog.Logger, sender wake.Sender, localBroadcasts func() map[string]string) (*Hub, error) {
	h := &Hub{log: log}
	mqttCfg := cfg.MQTT
	if cfg.Embedded() {
		b, err := broker.Start(broker.Options{
			Listen: cfg.Broker.Listen, Username: cfg.Broker.Username, Password: cfg.Broker.Password, Logger: quietBroker(log),
		})
		if err != nil {
			return nil, fmt.Errorf("starting hub: %w", err)
		}
		h.broker = b
		mqttCfg.URL = "mqtt://" + dialable(b.Addr())
		mqttCfg.Username, mqttCfg.Password = cfg.Broker.Username, cfg.Broker.Password
		log.Info("embedded mqtt broker listening", "addr", b.Addr())
	}
	h.url = mqttCfg.URL
	sc := mqttCfg.Scheme()
	st, err := store.Open(cfg.Store)
	if err != nil {
		h.closeBroker()
		return nil, fmt.Errorf("starting hub: %w", err)
	}
	h.store = st
	model, err := predict.Default()
	if err != nil {
		h.close()
		return nil, err
	}
	dk := newDisks(sc, version, st, model, log.With("component", "disks"))
	if err := dk.load(ctx); err != nil {
		h.close()
		return nil, fmt.Errorf("starting hub: %w", err)
	}
	f := newFleet(sc, version, log.With("component", "fleet"))
	wk, err := newWaker(sc, version, cfg.Wake, sender, log.With("component", "wake"))
	if err != nil {
		h.close()
		return nil, fmt.Errorf("starting hub: %w", err)
	}
	sch, err := newScheduler(ctx, sc, version, cfg.Schedules, st, log.With("component", "schedules"))
	if err != nil {
		h.close()
		return nil, fmt.Errorf("starting hub: %w", err)
	}
	inet, err := newInternet(ctx, cfg, version, st, log.With("component", "internet"))
	if err != nil {
		h.close()
		return nil, fmt.Errorf("starting hub: %w", err)
	}
	f.onStatus = func(device, status string) {
		wk.statusChanged(device, status)
		sch.statusChanged(device, status)
	}
	if localBroadcasts != nil {
		wk.localBroadcasts = localBroadcasts
	}
	wk.st = st
	if err := wk.load(ctx); err != nil {
		h.close()
		return nil, fmt.Errorf("starting hub: %w", err)
	}
	probes := probe.NewService(DeviceID, "homefleet hub", version, sc, cfg.Probes, log.With("component", "probes"))
	clientID := mqttCfg.ClientID
	if clientID == "" {
		clientID = "homefleet-hub"
	}
	mc, err := mqttc.New(mqttc.Options{
		MQTT: mqttCfg, ClientID: clientID, StatusTopic: sc.Status(DeviceID),
		Logger: log.With("component", "mqtt"), OnConnect: func() {
			f.connected()
			dk.connected()
			wk.connected()
			sch.connected()
			inet.connected()
			probes.Connected()
		},
	})
	if err != nil {
		h.close()
		return nil, fmt.Errorf("setting up hub mqtt: %w", err)
	}
	mc.Subscribe(sc.AllStatus(), f.handleStatus)
	mc.Subscribe(sc.HAStatus(), f.handleHAStatus)
	mc.Subscribe(sc.AllDisks(), dk.handle)
	mc.Subscribe(sc.AllNet(), fanOut(wk.handleNet, inet.handleNet))
	mc.Subscribe(sc.AllCommands("wake"), wk.handleWake)
	if len(cfg.Schedules) > 0 {
		mc.Subscribe(sc.AllStates(), sch.handleState)
		mc.Subscribe(sc.AllEvents(), sch.handleEvent)
	}
	if len(cfg.Schedules) > 0 || inet.enabled() {
		mc.Subscribe(sc.Commands(DeviceID), fanOut(sch.handleCommand, inet.handleCommand))
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return mc.Run(gctx) })
	g.Go(func() error { return f.run(gctx, mc) })
	g.Go(func() error { return dk.run(gctx, mc) })
	g.Go(func() error { return wk.run(gctx, mc) })
	g.Go(func() error { return sch.run(gctx, mc) })
	if inet.enabled() {
		g.Go(func() error { return inet.run(gctx, mc) })
	}
	if len(cfg.Probes) > 0 {
		g.Go(func() error { return probes.Run(gctx, mc) })
	}
	h.g = g
	return h, nil
}

// fanOut hands one subscription's messages to several handlers.
func fanOut(hs ...func(string, []byte, bool) error) func(string, []byte, bool) error {
	return func(t string, p []byte, retained bool) error {
		var errs []error
		for _, h := range hs {
			errs = append(errs, h(t, p, retained))
		}
		return errors.Join(errs...)
	}
}

// BrokerURL is the broker the hub is connected to.
func (h *Hub) BrokerURL() string { return h.url }

// BrokerAddr is the embedded broker's listen address, or "" when external.
func (h *Hub) BrokerAddr() string {
	if h.broker == nil {
		return ""
	}
	return h.broker.Addr()
}

// Wait blocks until the services stopped, then closes the store and the
// broker.
func (h *Hub) Wait() error {
	err := h.g.Wait()
	h.close()
	if err != nil {
		return fmt.Errorf("hub: %w", err)
	}
	return nil
}

func (h *Hub) close() {
	if h.store != nil {
		if err := h.store.Close(); err != nil {
			h.log.Warn("closing history store", "err", err)
		}
	}
	h.closeBroker()
}

func (h *Hub) closeBroker() {
	if h.broker == nil {
		return
	}
	if err := h.broker.Close(); err != nil {
		h.log.Warn("closing embedded broker", "err", err)
	}
}

// dialable turns a listen address into one a local client can dial.
func dialable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// quietBroker keeps mochi's per-client info lines out of the hub log.
func quietBroker(log *slog.Logger) *slog.Logger {
	return slog.New(levelFloor{log.Handler(), slog.LevelWarn})
}

type levelFloor struct {
	slog.Handler
	min slog.Level
}

func (l levelFloor) Enabled(ctx context.Context, lv slog.Level) bool {
	return lv >= l.min && l.Handler.Enabled(ctx, lv)
}

func (l levelFloor) WithAttrs(attrs []slog.Attr) slog.Handler {
	return levelFloor{l.Handler.WithAttrs(attrs), l.min}
}

func (l levelFloor) WithGroup(name string) slog.Handler {
	return levelFloor{l.Handler.WithGroup(name), l.min}
}
