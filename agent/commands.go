package agent

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/homefleet/homefleet/agent/power"
	"github.com/homefleet/homefleet/internal/service"
	"github.com/homefleet/homefleet/internal/wire"
)

// ErrUnknownVerb rejects a command the agent does not know.
var ErrUnknownVerb = errors.New("unknown command verb")

type command struct {
	verb     string
	payload  []byte
	retained bool
}

// HandleCommand queues a command for the loop.
func (a *Agent) HandleCommand(t string, payload []byte, retained bool) error {
	verb, ok := a.opts.Scheme.ParseCommand(a.opts.ID, t)
	if !ok {
		return fmt.Errorf("not a command topic of %s", a.opts.ID)
	}
	if len(payload) == 0 || verb == "wake" {
		return nil // clearing a retained command; waking is the hub's job
	}
	return service.Enqueue(a.commands, command{verb: verb, payload: payload, retained: retained}, "command "+verb)
}

// command runs one command and answers with an event: a refusal names
// why, and nothing is executed.
func (a *Agent) command(ctx context.Context, c command) {
	ev := wire.Event{V: 1, TS: a.opts.Now().Unix(), Type: "command", Verb: c.verb}
	var cmd wire.Command
	var err error
	if c.verb != "keep_awake" { // a switch: ON or OFF, not a command body
		cmd, err = wire.ParseCommand(c.payload, a.opts.Now())
	}
	ev.ID = cmd.ID
	switch {
	case c.retained:
		err = wire.ErrRetained
		// Clear it, so the broker does not replay it on every reconnect.
		if perr := a.pub.Publish(ctx, a.opts.Scheme.Command(a.opts.ID, c.verb), nil, true); perr != nil {
			a.opts.Log.Debug("clearing retained command", "err", perr)
		}
	case err == nil:
		err = a.execute(ctx, c.verb, cmd, c.payload)
	}
	if err != nil {
		ev.Reason = err.Error()
		a.opts.Log.Warn("command rejected", "verb", c.verb, "reason", err)
	} else {
		ev.OK = true
	}
	a.send(ctx, a.opts.Scheme.Event(a.opts.ID), ev, false)
}

func (a *Agent) execute(ctx context.Context, verb string, cmd wire.Command, payload []byte) error {
	if v, err := power.ParseVerb(verb); err == nil {
		return a.powerVerb(ctx, v, cmd.Force)
	}
	switch verb {
	case "refresh":
		a.cycle(ctx, true)
		if a.refreshDisks != nil {
			a.refreshDisks()
		}
		return nil
	case "keep_awake":
		return a.keepAwake(ctx, payload)
	case "wake-relay":
		return a.relayWake(ctx, cmd)
	}
	if job, ok := strings.CutPrefix(verb, "run/"); ok {
		return a.startJob(ctx, job, cmd)
	}
	return fmt.Errorf("%w %q", ErrUnknownVerb, verb)
}
