package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/homefleet/homefleet/agent/power"
	"github.com/homefleet/homefleet/internal/inbox"
	"github.com/homefleet/homefleet/internal/service"
	"github.com/homefleet/homefleet/internal/wire"
)

// ErrUnknownVerb rejects a command the agent does not know.
var ErrUnknownVerb = errors.New("unknown command verb")

// newInbox is the agent's command table: every verb it answers, with the
// payload each takes. The inbox refuses everything else before the loop
// sees it; power verbs and jobs are known, and refused at execution
// unless the config allows them (the event says which setting).
func (a *Agent) newInbox() *inbox.Inbox {
	in := inbox.New(inbox.Options{Scheme: a.opts.Scheme, Log: a.opts.Log.With("component", "commands"), Now: a.opts.Now, Devices: []string{a.opts.ID}})
	id := a.opts.ID
	queue := func(c inbox.Command) error { return service.Enqueue(a.commands, c, "command "+c.Verb) }
	in.On(id, "refresh", inbox.Press, queue)
	in.On(id, "keep_awake", inbox.Switch, queue)
	in.On(id, "wake-relay", inbox.Press, queue)
	in.On(id, "run/", inbox.Press, queue)
	in.On(id, "evacuate/", inbox.Press, queue)
	for _, v := range power.Verbs {
		in.On(id, string(v), inbox.Press, queue)
	}
	in.On(id, "wake", inbox.Press, nil) // the hub wakes this machine, not the agent
	return in
}

// publishRefusal sends the inbox's refusal events on the device's topic.
func (a *Agent) publishRefusal(ctx context.Context, device string, ev wire.Event) {
	a.send(ctx, a.opts.Scheme.Event(device), ev, false)
}

// command runs one admitted command and answers with an event: a refusal
// names why, and nothing is executed.
func (a *Agent) command(ctx context.Context, c inbox.Command) {
	ev := wire.Event{V: 1, TS: a.opts.Now().Unix(), Type: "command", Verb: c.Verb, ID: c.Body.ID}
	if err := a.execute(ctx, c); err != nil {
		ev.Reason = err.Error()
		a.opts.Log.Warn("command rejected", "verb", c.Verb, "reason", err)
	} else {
		ev.OK = true
	}
	a.send(ctx, a.opts.Scheme.Event(a.opts.ID), ev, false)
}

func (a *Agent) execute(ctx context.Context, c inbox.Command) error {
	if v, err := power.ParseVerb(c.Verb); err == nil {
		return a.powerVerb(ctx, v, c.Body.Force)
	}
	switch c.Verb {
	case "refresh":
		a.cycle(ctx, true)
		if a.refreshDisks != nil {
			a.refreshDisks()
		}
		return nil
	case "keep_awake":
		return a.keepAwake(ctx, c.On)
	case "wake-relay":
		return a.relayWake(ctx, c.Body)
	}
	if job, ok := strings.CutPrefix(c.Verb, "run/"); ok {
		if err := a.startJob(ctx, job, c.Body); err != nil {
			return err
		}
		a.publishState(ctx, a.opts.Now()) // HA shows it running now
		return nil
	}
	if disk, ok := strings.CutPrefix(c.Verb, "evacuate/"); ok {
		return a.startEvacuation(ctx, disk, c.Body)
	}
	return fmt.Errorf("%w %q", ErrUnknownVerb, c.Verb)
}
