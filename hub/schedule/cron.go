// Package schedule is the hub feature that runs the configured power
// schedules: sleep windows, wake times and backup windows. The decisions
// of when a schedule fires (this file) are pure, over a clock the caller
// passes in: time-zone aware, DST safe, a run missed while the hub was
// down fires late if it is still inside its misfire window, and a
// scheduled time never fires twice. The service only publishes commands
// (cmd/wake, cmd/sleep, cmd/run/<job>): agents and the wake feature do the
// work, so every action is visible on the broker.
package schedule

import (
	"errors"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// ErrSpec is returned for an unusable schedule.
var ErrSpec = errors.New("bad schedule")

// Spec is a parsed cron expression in a time zone.
type Spec struct {
	expr    string
	loc     *time.Location
	sched   cron.Schedule
	Misfire time.Duration // how late a missed run may still fire
}

var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor) //nolint:gochecknoglobals // stateless

// Parse parses a standard 5-field cron expression (or @daily...) in the
// IANA time zone tz ("" = local).
func Parse(expr, tz string, misfire time.Duration) (Spec, error) {
	loc := time.Local
	if tz != "" {
		var err error
		if loc, err = time.LoadLocation(tz); err != nil {
			return Spec{}, fmt.Errorf("%w: time zone %q: %w", ErrSpec, tz, err)
		}
	}
	s, err := parser.Parse(expr)
	if err != nil {
		return Spec{}, fmt.Errorf("%w: cron %q: %w", ErrSpec, expr, err)
	}
	if misfire < 0 {
		return Spec{}, fmt.Errorf("%w: misfire %s must not be negative", ErrSpec, misfire)
	}
	return Spec{expr: expr, loc: loc, sched: s, Misfire: misfire}, nil
}

// Next is the first scheduled time after t. The expression is evaluated on
// the local wall clock, where every day has each minute exactly once, then
// mapped to real time: across a DST change a daily 02:30 run happens once
// (not twice when 02:30 repeats, and right after the jump when 02:30 does
// not exist).
func (s Spec) Next(t time.Time) time.Time {
	lt := t.In(s.loc)
	wall := time.Date(lt.Year(), lt.Month(), lt.Day(), lt.Hour(), lt.Minute(), lt.Second(), lt.Nanosecond(), time.UTC)
	for {
		n := s.sched.Next(wall)
		if n.IsZero() {
			return n
		}
		real := s.toReal(n)
		if real.After(t) {
			return real
		}
		wall = n // the wall time maps to an instant already past (repeated hour)
	}
}

// toReal maps a wall-clock time (carried in UTC) to an instant in the
// zone. A wall time inside a DST gap maps to the first minute after the
// jump, so the run still happens that day.
func (s Spec) toReal(w time.Time) time.Time {
	for k := 0; k <= 24*60; k++ {
		c := w.Add(time.Duration(k) * time.Minute)
		r := time.Date(c.Year(), c.Month(), c.Day(), c.Hour(), c.Minute(), 0, 0, s.loc)
		if r.Hour() == c.Hour() && r.Minute() == c.Minute() {
			return r
		}
	}
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), 0, 0, s.loc)
}

// Due reports whether the schedule fires now: the latest scheduled time
// in (lastFired, now] that is at most Misfire old. Older missed runs are
// skipped, and a time equal to lastFired never fires again. at is the
// scheduled time to record as lastFired.
func (s Spec) Due(lastFired, now time.Time) (at time.Time, due bool) {
	from := now.Add(-s.Misfire - time.Minute)
	if lastFired.After(from) {
		from = lastFired
	}
	for t := s.Next(from); !t.IsZero() && !t.After(now); t = s.Next(t) {
		at, due = t, true
	}
	if due && now.Sub(at) > s.Misfire {
		return time.Time{}, false
	}
	return at, due
}

// Window is an interval starting at each scheduled time (a sleep window,
// a backup window).
type Window struct {
	Spec
	Length time.Duration
}

// Active reports whether now lies inside a window, and when it ends.
func (w Window) Active(now time.Time) (end time.Time, active bool) {
	for t := w.Next(now.Add(-w.Length)); !t.IsZero() && !t.After(now); t = w.Next(t) {
		if e := t.Add(w.Length); now.Before(e) {
			return e, true
		}
	}
	return time.Time{}, false
}
