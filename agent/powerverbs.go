package agent

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/homefleet/homefleet/agent/power"
	"github.com/homefleet/homefleet/internal/mqttc"
)

// ErrNotAllowed refuses a power verb the agent's config does not allow.
var ErrNotAllowed = errors.New("not allowed by this agent's config (power.allow)")

// offeredVerbs are the allowed verbs the OS offers now; they become HA
// buttons.
func (a *Agent) offeredVerbs(ctx context.Context) []string {
	var out []string
	for _, verb := range a.opts.AllowPower {
		if a.opts.Power == nil {
			break
		}
		if ok, err := a.opts.Power.Can(ctx, power.Verb(verb)); err == nil && ok {
			out = append(out, verb)
		} else if err != nil {
			a.log.Debug("power verb not offered", "verb", verb, "err", err)
		}
	}
	return out
}

// powerVerb runs an allowed, offered verb. Before the machine goes away it
// publishes its state and a clean offline, so HA shows the truth at once.
func (a *Agent) powerVerb(ctx context.Context, pub publisher, v power.Verb, force bool) error {
	if !slices.Contains(a.opts.AllowPower, string(v)) || a.opts.Power == nil {
		return fmt.Errorf("%s: %w", v, ErrNotAllowed)
	}
	ok, err := a.opts.Power.Can(ctx, v)
	if err != nil {
		return fmt.Errorf("%s: %w", v, err)
	}
	if !ok {
		return fmt.Errorf("%s: %w now", v, power.ErrNotOffered)
	}
	if a.haveCur {
		a.publishState(ctx, pub, a.opts.Now())
	}
	status := a.opts.Scheme.Status(a.opts.ID)
	if err := pub.Publish(ctx, status, []byte(mqttc.Offline), true); err != nil {
		a.log.Debug("publishing offline before power action", "err", err)
	}
	a.log.Info("power action", "verb", v, "force", force)
	if err := a.opts.Power.Do(ctx, v, force); err != nil {
		_ = pub.Publish(ctx, status, []byte(mqttc.Online), true) // still here
		return err
	}
	return nil
}

// noticeResume treats a wall-clock jump of more than three intervals
// between ticks as a resume from sleep: reconnect at once and republish.
func (a *Agent) noticeResume(ctx context.Context, pub publisher) {
	now := a.opts.Now().Round(0) // wall clock: the monotonic clock stops in suspend
	last := a.lastTick
	a.lastTick = now
	if last.IsZero() || now.Sub(last) <= 3*a.opts.Interval {
		return
	}
	a.log.Info("resumed from sleep", "asleep", now.Sub(last).Round(time.Second))
	if a.opts.Reconnect != nil {
		a.opts.Reconnect() // its OnConnect republishes availability, discovery and state
		return
	}
	a.publishAll(ctx, pub)
}
