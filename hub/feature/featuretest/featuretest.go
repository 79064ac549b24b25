// Package featuretest runs one hub feature for a test against a real
// broker: a store, the hub's MQTT session and the feature's service, as
// the hub would run them. Import from tests only.
package featuretest

import (
	"context"
	"testing"
	"time"

	"github.com/homefleet/homefleet/hub/feature"
	"github.com/homefleet/homefleet/hub/store"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/inbox"
	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/internal/service"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
)

// Options for Start.
type Options struct {
	Store string           // path; "" is ":memory:"
	Now   func() time.Time // the feature's clock; nil: time.Now
}

// Running is a started feature.
type Running struct {
	Env    feature.Env
	cancel context.CancelFunc
	done   chan error
}

// Start opens the store, connects a hub session to brokerURL and runs the
// services build returns. Stop (or the test's end) stops them.
func Start(t testing.TB, brokerURL string, o Options, build func(feature.Env) ([]service.Service, error)) *Running {
	t.Helper()
	if o.Store == "" {
		o.Store = ":memory:"
	}
	st, err := store.Open(o.Store)
	if err != nil {
		t.Fatal(err)
	}
	m := config.MQTT{URL: brokerURL}
	cfg := config.Hub{MQTT: m}
	cfg.SetDefaults()
	log, _ := testbroker.Logger(t)
	var group *service.Group
	var cmds *inbox.Inbox
	mc, err := mqttc.New(mqttc.Options{MQTT: cfg.MQTT, ClientID: "hub-" + t.Name(), StatusTopic: cfg.MQTT.Scheme().Status(topic.HubID),
		Logger: log, OnConnect: func() { group.Announce() }, Oversize: func(tp string, n int) { cmds.Oversize(tp, n) }})
	if err != nil {
		t.Fatal(err)
	}
	env := feature.Env{Scheme: cfg.MQTT.Scheme(), Version: "1.0.0", Log: log, Store: st, Session: mc, Now: o.Now}
	if env.Now == nil {
		env.Now = time.Now
	}
	cmds, cmdService := feature.NewCommands(env)
	env.Commands = cmds
	mc.Subscribe(env.Scheme.EveryCommand(), cmds.Handle)
	svcs, err := build(env)
	if err != nil {
		_ = st.Close()
		t.Fatal(err)
	}
	mc.Subscribe(env.Scheme.HAStatus(), func(t string, p []byte, r bool) error { return group.HABirth(time.Second)(t, p, r) })
	group = service.NewGroup(log, append([]service.Service{service.Closer("store", st.Close), service.Func("mqtt", mc.Run), cmdService}, svcs...)...)
	ctx, cancel := context.WithCancel(context.Background())
	r := &Running{Env: env, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- group.Run(ctx) }()
	t.Cleanup(func() { r.Stop(t) })
	return r
}

// Stop stops the feature, its session and the store; safe to call twice.
func (r *Running) Stop(t testing.TB) {
	t.Helper()
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	if err := <-r.done; err != nil {
		t.Errorf("feature stopped with %v", err)
	}
}
