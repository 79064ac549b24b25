// Package feature is what every hub feature (fleet, disks, wake,
// schedule, internet) is given: the MQTT session, the store, the topic
// scheme and a logger. Each feature package builds its service from an
// Env, subscribes to what it needs, and publishes its own documents and
// HA discovery.
package feature

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/homefleet/homefleet/hub/store"
	"github.com/homefleet/homefleet/internal/inbox"
	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/internal/secret"
	"github.com/homefleet/homefleet/internal/service"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// Session is the hub's MQTT session as a feature uses it.
type Session interface {
	Publish(ctx context.Context, topic string, payload []byte, retain bool) error
	Subscribe(filter string, h mqttc.Handler)
}

// Redacted is s with r's secrets masked in every payload it publishes
// (an error in a DDNS record's state quoting a reply that echoed a token).
func Redacted(s Session, r *secret.Redactor) Session { return redacted{s, r} }

type redacted struct {
	Session
	r *secret.Redactor
}

func (s redacted) Publish(ctx context.Context, topic string, payload []byte, retain bool) error {
	return s.Session.Publish(ctx, topic, s.r.Bytes(payload), retain) //nolint:wrapcheck // the session's own error
}

// Env is what a feature is built from.
type Env struct {
	Scheme  topic.Scheme
	Version string
	Log     *slog.Logger
	Store   *store.Store
	Session Session
	Now     func() time.Time // the hub's clock (tests fake it)
	// Commands admits the hub's commands (homefleet/hub/cmd/..., and the
	// Wake of any device): a feature registers its verbs with On in New.
	Commands *inbox.Inbox
	// Duty says whether this hub leads and grants its singleton actions
	// (nil: the hub is alone and acts).
	Duty Duty
	// Supervisor is told when the hub is up and, from the fleet loop, that
	// the hub still turns (systemd's READY=1 and watchdog).
	Supervisor service.Supervisor
}

// NewCommands is the hub's command inbox, publishing refusals as events
// on the device's event topic; run it with the returned service.
func NewCommands(e Env) (*inbox.Inbox, service.Service) {
	in := inbox.New(inbox.Options{Scheme: e.Scheme, Log: e.Log.With("component", "commands"), Now: e.Now, Devices: []string{topic.HubID}})
	return in, in.Service(func(ctx context.Context, device string, ev wire.Event) {
		e.Send(ctx, e.Scheme.Event(device), ev, false)
	})
}

// Named returns a copy of e whose logger names the component.
func (e Env) Named(component string) Env {
	e.Log = e.Log.With("component", component)
	if e.Now == nil {
		e.Now = time.Now
	}
	return e
}

// Send encodes v and publishes it; a failure is logged at debug (the
// document is republished on the next connect) and reported.
func (e Env) Send(ctx context.Context, t string, v any, retain bool) bool {
	if err := mqttc.PublishJSON(ctx, e.Session, t, v, retain); err != nil {
		e.Log.Debug("hub publish failed; will resend on reconnect", "topic", t, "err", err)
		return false
	}
	return true
}

// Fire publishes an HA device-trigger payload (never retained); a failure
// is logged at warn, since the trigger is lost. Only the leading hub
// fires: a follower's would run HA's automations twice.
func (e Env) Fire(ctx context.Context, t string, payload []byte) {
	if !e.Leading() {
		return
	}
	if err := e.Session.Publish(ctx, t, payload, false); err != nil {
		e.Log.Warn("trigger not sent", "topic", t, "trigger", fmt.Sprintf("%.60s", payload), "err", err)
	}
}

// FireJSON publishes a JSON trigger payload.
func (e Env) FireJSON(ctx context.Context, t string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		e.Log.Warn("encoding trigger", "topic", t, "err", err)
		return
	}
	e.Fire(ctx, t, b)
}

// DecodeNet reads an agent's network identity (homefleet/<device>/net);
// ok is false for a cleared document and for garbage (err says why).
func DecodeNet(sc topic.Scheme, t string, payload []byte) (device string, doc wire.Net, ok bool, err error) {
	device, found := sc.ParseDevice(t)
	if !found || len(payload) == 0 {
		return "", wire.Net{}, false, nil
	}
	if doc, err = wire.DecodeNet(payload); err != nil {
		return "", wire.Net{}, false, err
	}
	return device, doc, true, nil
}
