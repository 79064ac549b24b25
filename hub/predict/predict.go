// Package predict turns a disk's SMART history into a failure verdict:
// OK, Watch (elevated 90-day risk), Critical (likely to fail within 30
// days) or Failing (the drive says so, or pending/uncorrectable sectors
// grow fast). Pure functions over the past only: a Tracker sees one
// observation at a time, in time order.
package predict

import (
	"math"

	"github.com/homefleet/homefleet/internal/smartattr"
)

// State is the verdict level.
type State int

// States, in increasing severity.
const (
	OK State = iota
	Watch
	Critical
	Failing
)

func (s State) String() string {
	return [...]string{"ok", "watch", "critical", "failing"}[s]
}

// Attribute slots of Obs.Attr.
const (
	A5 = iota
	A10
	A12
	A187
	A188
	A189
	A196
	A197
	A198
	NumAttrs
)

// AttrIDs maps slots to ATA attribute ids: smartattr's predictor inputs,
// in order (the slot names above follow them; a test holds the two).
var AttrIDs = [NumAttrs]uint8(smartattr.Predicted()) //nolint:gochecknoglobals // fixed table

// NA marks an attribute the drive does not report.
const NA = -1

// Obs is one SMART observation of a drive.
type Obs struct {
	Hour float64         // power-on hours (SMART 9)
	Attr [NumAttrs]int64 // raw counts, NA when absent
	// The drive's own verdict and NVMe health, when known.
	DriveFailed     bool
	NVMe            bool
	CriticalWarning uint8
	AvailableSpare  int
	SpareThreshold  int
	PercentUsed     int
	MediaErrors     int64
}

// Verdict is the prediction after an observation.
type Verdict struct {
	State     State
	P30       float64  // calibrated probability of failure within 30 days
	P90       float64  // probability of failure within 90 days
	Reasons   []string // in words, most important first
	Within48h bool     // only when the drive itself reports failing
	Alert     State    // alert raised by this observation (OK: none)
}

// growth attributes: reallocated, reported uncorrectable, pending, offline uncorrectable.
var growthSlots = [...]int{A5, A187, A197, A198}

type series struct {
	hours []float64 // hours at which the value changed
	vals  []int64
	incs  []float64 // hours of increases
}

func (s *series) add(h float64, v int64) {
	if n := len(s.vals); n > 0 {
		if v == s.vals[n-1] {
			return
		}
		if v > s.vals[n-1] {
			s.incs = append(s.incs, h)
		}
	}
	s.hours = append(s.hours, h)
	s.vals = append(s.vals, v)
}

func (s *series) now() int64 {
	if len(s.vals) == 0 {
		return 0
	}
	return s.vals[len(s.vals)-1]
}

// at returns the value in force at hour h (the first value when h is
// before the first observation).
func (s *series) at(h float64) int64 {
	i := len(s.hours)
	for i > 0 && s.hours[i-1] > h { // usually a short walk from the end
		i--
	}
	if i == 0 {
		if len(s.vals) == 0 {
			return 0
		}
		return s.vals[0]
	}
	return s.vals[i-1]
}

func (s *series) incsSince(h float64) int {
	n := 0
	for i := len(s.incs) - 1; i >= 0 && s.incs[i] > h; i-- {
		n++
	}
	return n
}

func (s *series) lastInc() float64 {
	if len(s.incs) == 0 {
		return math.Inf(-1)
	}
	return s.incs[len(s.incs)-1]
}

// Tracker follows one drive. Not safe for concurrent use.
type Tracker struct {
	m          *Model
	baseAFR    float64 // per-model annual failure rate
	first      float64
	seen       bool
	s          [NumAttrs]series
	present    [NumAttrs]bool
	last       Obs
	media      series
	prev       [NumAttrs]int64 // values before the latest observation
	trig       bool            // a warning attribute rose at the latest observation
	prevTrig   float64         // hour of the trigger before the latest one (0: none)
	lastTrig   float64         // hour of the latest trigger
	obsHours   []float64       // hours of every observation
	alert      State           // alert raised by the latest observation
	wasFailing bool            // the previous observation was Failing
	critTil    float64         // Critical holds until this hour
	watchTil   float64         // Watch holds until this hour
}

// NewTracker starts a drive's history under model m for drive model name.
func NewTracker(m *Model, driveModel string) *Tracker {
	return &Tracker{m: m, baseAFR: m.BaselineAFR(driveModel)}
}

// Observe adds o (later than every previous observation) and returns the
// verdict using only the history so far.
func (t *Tracker) Observe(o Obs) Verdict {
	st, p30, p90 := t.Score(o)
	v := Verdict{
		State: st, P30: t.m.Calibration.Prob(p30, t.trig), P90: p90, Alert: t.alert,
		Within48h: st == Failing && (o.DriveFailed || o.CriticalWarning != 0),
	}
	if h := horizon(st, v.P30, v.P90); h != "" {
		v.Reasons = append(v.Reasons, h)
	}
	v.Reasons = append(v.Reasons, t.reasons(o, t.features(o.Hour))...)
	return v
}

// observe records o in the history.
func (t *Tracker) observe(o Obs) {
	if !t.seen {
		t.first, t.seen = o.Hour, true
	}
	t.trig = false
	for i, v := range o.Attr {
		t.prev[i] = t.s[i].now()
		if v == NA {
			continue
		}
		if t.present[i] && v > t.prev[i] && i != A12 {
			t.trig = true // any warning attribute rose (not power cycles)
		}
		t.present[i] = true
		t.s[i].add(o.Hour, v)
	}
	if o.NVMe {
		t.media.add(o.Hour, o.MediaErrors)
	}
	t.last = o
	t.obsHours = append(t.obsHours, o.Hour)
	if t.trig {
		t.prevTrig, t.lastTrig = t.lastTrig, o.Hour
	}
}

// failing: the drive's own verdict, an NVMe critical warning, or pending
// plus offline-uncorrectable sectors growing fast.
func (t *Tracker) failing(o Obs) bool {
	if o.DriveFailed || o.CriticalWarning != 0 || (o.NVMe && o.SpareThreshold > 0 && o.AvailableSpare < o.SpareThreshold) {
		return true
	}
	h := o.Hour - t.m.FastWindowHours
	grow := (t.s[A197].now() - t.s[A197].at(h)) + (t.s[A198].now() - t.s[A198].at(h))
	return t.m.FastGrowth > 0 && grow >= t.m.FastGrowth
}

func (t *Tracker) nvmeWatch(o Obs) bool {
	return o.NVMe && (o.PercentUsed >= 100 || t.media.incsSince(o.Hour-720) > 0)
}
