package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/internal/wire"
)

// ErrIDTaken refuses to start under an id another machine publishes.
var ErrIDTaken = errors.New("device id is in use by another machine")

// claimWait bounds the wait for the broker to hand back the marker.
const claimWait = 10 * time.Second

// subscriber is the session's subscription side (mqttc.Client).
type subscriber interface {
	Subscribe(filter string, h mqttc.Handler)
	Unsubscribe(filter string)
}

// claim reads the retained state under this agent's id before anything
// is published: a state from another machine (a cloned disk image, a
// copied config) is ErrIDTaken, naming both, unless device.take_over.
// The broker delivers retained messages before a marker published after
// subscribing, so seeing the marker means nothing retained is missing.
func (a *Agent) claim(ctx context.Context) error {
	if a.sub == nil || a.opts.Machine == "" || a.opts.TakeOver {
		return nil
	}
	sc, id := a.opts.Scheme, a.opts.ID
	found := make(chan wire.State, 1)
	back := make(chan struct{}, 1)
	a.sub.Subscribe(sc.State(id), func(_ string, p []byte, retained bool) error {
		if st, err := wire.DecodeState(p); err == nil && retained {
			select {
			case found <- st:
			default:
			}
		}
		return nil
	})
	a.sub.Subscribe(sc.Claim(id), func(string, []byte, bool) error {
		select {
		case back <- struct{}{}:
		default:
		}
		return nil
	})
	defer a.sub.Unsubscribe(sc.Claim(id))
	defer a.sub.Unsubscribe(sc.State(id))
	if err := a.pub.Publish(ctx, sc.Claim(id), []byte(a.opts.Machine), false); err != nil {
		return nil //nolint:nilerr // not connected: the next connect claims again
	}
	select {
	case <-back:
	case <-time.After(claimWait):
		a.opts.Log.Warn("broker did not return the start-up marker; not checking for another machine under this id", "device", id)
	case <-ctx.Done():
		return nil
	}
	select {
	case st := <-found:
		if m := st.Facts.Machine; m != "" && m != a.opts.Machine {
			return fmt.Errorf("%w: %q is published by %s (machine %s), this is %s (machine %s); "+
				"give this machine its own device.id, or set device.take_over: true (HOMEFLEET_DEVICE_TAKE_OVER=true) if it replaces that one",
				ErrIDTaken, id, orUnknown(st.Facts.Host), m, orUnknown(a.read.facts.Hostname), a.opts.Machine)
		}
	default:
	}
	return nil
}

func orUnknown(s string) string {
	if s == "" {
		return "an unnamed host"
	}
	return s
}
