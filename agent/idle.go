package agent

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/homefleet/homefleet/agent/collect/idle"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/wire"
)

// idleOptions configure the activity verdict.
type idleOptions struct {
	Checks   []idle.Check
	Interval time.Duration
	DiskBps  uint64 // summed disk throughput above this is activity
	NetBps   uint64 // summed network throughput above this is activity
}

type idleState struct {
	opts      idleOptions
	keepAwake bool
	since     time.Time // idle since (zero while active)
	at        time.Time // last evaluation
	reasons   []string
	known     bool
}

// newIdle turns on the Idle sensor with checks and cfg's limits; nil
// checks (not an empty list) leave it off.
func newIdle(checks []idle.Check, cfg config.Idle) *idleState {
	if checks == nil {
		return nil
	}
	return &idleState{opts: idleOptions{Checks: checks, Interval: cfg.Interval, DiskBps: cfg.DiskBps, NetBps: cfg.NetBps}}
}

// evaluateIdle runs the checks when due and stamps the verdict on the current state.
func (a *Agent) evaluateIdle(ctx context.Context, now time.Time) {
	s := a.idle
	if s == nil || a.read.cur.CPU == nil {
		return // no rates yet: the verdict is unknown until they exist
	}
	if !s.known || now.Sub(s.at) >= s.opts.Interval {
		checks := append(slices.Clone(s.opts.Checks), idle.Flag{Label: "keep-awake switch on", On: func() bool { return s.keepAwake }})
		r := idle.Evaluate(ctx, checks)
		for _, e := range r.Errors {
			a.opts.Log.Debug("idle check failed", "err", e)
		}
		s.reasons = append(r.Reasons, a.throughputReasons()...)
		s.reasons = append(s.reasons, a.jobs.runningJobs()...)
		s.at, s.known = now, true
		switch {
		case len(s.reasons) > 0:
			s.since = time.Time{}
		case s.since.IsZero():
			s.since = now
		}
	}
	w := &wire.Idle{Idle: len(s.reasons) == 0, Reasons: s.reasons, KeepAwake: s.keepAwake}
	if w.Reasons == nil {
		w.Reasons = []string{}
	}
	if w.Idle {
		w.ForMin = int64(now.Sub(s.since) / time.Minute)
	}
	a.read.cur.Idle = w
}

// throughputReasons reports disk or network traffic over the limits.
func (a *Agent) throughputReasons() []string {
	var disk, netw uint64
	for _, d := range a.read.cur.IO {
		disk += deref(d.Read) + deref(d.Write)
	}
	for _, n := range a.read.cur.Net {
		netw += deref(n.Rx) + deref(n.Tx)
	}
	var out []string
	if o := a.idle.opts; o.DiskBps > 0 && disk > o.DiskBps {
		out = append(out, fmt.Sprintf("disk I/O %.1f MB/s", float64(disk)/1e6))
	}
	if o := a.idle.opts; o.NetBps > 0 && netw > o.NetBps {
		out = append(out, fmt.Sprintf("network %.1f MB/s", float64(netw)/1e6))
	}
	return out
}

// keepAwake handles HA's switch: ON or OFF.
func (a *Agent) keepAwake(ctx context.Context, on bool) error {
	if a.idle == nil {
		return fmt.Errorf("%w \"keep_awake\" (idle checks are off)", ErrUnknownVerb)
	}
	a.idle.keepAwake = on
	a.idle.at = time.Time{} // re-evaluate now
	a.cycle(ctx, true)
	return nil
}

func deref(p *uint64) uint64 {
	if p == nil {
		return 0
	}
	return *p
}

func sameIdle(a, b *wire.Idle) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Idle == b.Idle && a.KeepAwake == b.KeepAwake && slices.Equal(a.Reasons, b.Reasons)
}
