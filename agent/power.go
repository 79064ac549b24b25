package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/homefleet/homefleet/agent/power"
	"github.com/homefleet/homefleet/internal/topic"
)

// ErrNotAllowed refuses a power verb the agent's config does not allow.
var ErrNotAllowed = errors.New("not allowed by this agent's config (power.allow)")

// powerVerbs is what the agent may do to the machine itself.
type powerVerbs struct {
	backend   power.Backend
	allow     []string // power.allow (none by default)
	offered   []string // allowed and offered by the OS: HA buttons
	reconnect func()   // drops and re-opens the MQTT session (after a resume)
	lastTick  time.Time
}

// offeredVerbs are the allowed verbs the OS offers now.
func (p *powerVerbs) offeredVerbs(ctx context.Context, log *slog.Logger) []string {
	var out []string
	for _, verb := range p.allow {
		if p.backend == nil {
			break
		}
		if ok, err := p.backend.Can(ctx, power.Verb(verb)); err == nil && ok {
			out = append(out, verb)
		} else if err != nil {
			log.Debug("power verb not offered", "verb", verb, "err", err)
		}
	}
	return out
}

// powerVerb runs an allowed, offered verb. Before the machine goes away it
// publishes its state and a clean offline, so HA shows the truth at once.
func (a *Agent) powerVerb(ctx context.Context, v power.Verb, force bool) error {
	p := &a.power
	if !slices.Contains(p.allow, string(v)) || p.backend == nil {
		return fmt.Errorf("%s: %w", v, ErrNotAllowed)
	}
	ok, err := p.backend.Can(ctx, v)
	if err != nil {
		return fmt.Errorf("%s: %w", v, err)
	}
	if !ok {
		return fmt.Errorf("%s: %w now", v, power.ErrNotOffered)
	}
	if a.read.have {
		a.publishState(ctx, a.opts.Now())
	}
	status := a.opts.Scheme.Status(a.opts.ID)
	if err := a.pub.Publish(ctx, status, []byte(topic.Offline), true); err != nil {
		a.opts.Log.Debug("publishing offline before power action", "err", err)
	}
	a.opts.Log.Info("power action", "verb", v, "force", force)
	if err := p.backend.Do(ctx, v, force); err != nil {
		_ = a.pub.Publish(ctx, status, []byte(topic.Online), true) // still here
		return err
	}
	return nil
}

// noticeResume treats a wall-clock jump of more than three intervals
// between ticks as a resume from sleep: reconnect at once and republish.
func (a *Agent) noticeResume(ctx context.Context) {
	now := a.opts.Now().Round(0) // wall clock: the monotonic clock stops in suspend
	last := a.power.lastTick
	a.power.lastTick = now
	if last.IsZero() || now.Sub(last) <= 3*a.opts.Interval {
		return
	}
	a.opts.Log.Info("resumed from sleep", "asleep", now.Sub(last).Round(time.Second))
	if a.power.reconnect != nil {
		a.power.reconnect() // its OnConnect republishes availability, discovery and state
		return
	}
	a.publishAll(ctx)
}
