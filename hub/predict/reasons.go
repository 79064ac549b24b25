package predict

import (
	"fmt"

	"github.com/homefleet/homefleet/internal/smartattr"
)

// horizon is the verdict's first reason: what the state means, with the
// published probability.
func horizon(st State, p30, p90 float64) string {
	switch st {
	case Failing:
		return "failing now: copy the data off this disk"
	case Critical:
		return fmt.Sprintf("likely to fail within 30 days (%.0f %% estimated)", 100*p30)
	case Watch:
		return fmt.Sprintf("elevated risk of failure within 90 days (%.0f %% estimated)", 100*p90)
	}
	return ""
}

// growthEvidence says how a growth attribute moved in the last 30 days,
// with the numbers the model saw: "reallocated sectors 0 → 48 in 6 days",
// "pending sectors 8, stable for 30 days", or "" when it is zero.
func (t *Tracker) growthEvidence(slot int, h float64) string {
	s := &t.s[slot]
	now := s.now()
	if now <= 0 {
		return ""
	}
	name := smartattr.Name(AttrIDs[slot])
	from := s.at(h - 720)
	if from >= now || len(s.incs) == 0 || s.incs[len(s.incs)-1] <= h-720 {
		return fmt.Sprintf("%s %d, stable for 30 days", name, now)
	}
	first := s.incs[len(s.incs)-s.incsSince(h-720)] // the first rise inside the 30 days
	seen := first                                   // when the old value was last seen
	for i := len(t.obsHours) - 1; i >= 0; i-- {
		if t.obsHours[i] < first {
			seen = t.obsHours[i]
			break
		}
	}
	if seen == first { // first observation of the drive: no before
		return fmt.Sprintf("%s now %d", name, now)
	}
	return fmt.Sprintf("%s %d → %d in %s", name, from, now, span(h-seen))
}

// span is a duration in hours in words.
func span(hours float64) string {
	if hours < 48 {
		return fmt.Sprintf("%.0f hours", hours)
	}
	return fmt.Sprintf("%.0f days", hours/24)
}

// reasons explains a verdict in words, most severe first.
func (t *Tracker) reasons(o Obs, f [NumFeatures]float64) []string {
	var r []string
	if o.DriveFailed {
		r = append(r, "the drive reports SMART overall-health FAILED")
	}
	if o.CriticalWarning != 0 {
		r = append(r, fmt.Sprintf("NVMe critical warning 0x%02x", o.CriticalWarning))
	}
	if o.NVMe && o.SpareThreshold > 0 && o.AvailableSpare < o.SpareThreshold {
		r = append(r, fmt.Sprintf("NVMe available spare %d%% below threshold %d%%", o.AvailableSpare, o.SpareThreshold))
	}
	if o.NVMe && o.PercentUsed >= 100 {
		r = append(r, fmt.Sprintf("NVMe rated endurance used: %d%%", o.PercentUsed))
	}
	if n := t.media.incsSince(o.Hour - 720); o.NVMe && n > 0 {
		r = append(r, fmt.Sprintf("NVMe media errors rose %d times in 30 days (now %d)", n, o.MediaErrors))
	}
	for _, slot := range growthSlots {
		if e := t.growthEvidence(slot, o.Hour); e != "" {
			r = append(r, e)
		}
	}
	if n := t.s[A10].now(); n > 0 {
		r = append(r, fmt.Sprintf("spin retries: %d", n))
	}
	if n := t.s[A189].now(); n > 0 {
		r = append(r, fmt.Sprintf("high fly writes: %d", n))
	}
	if f[21] >= 4 {
		r = append(r, fmt.Sprintf("drive age %.1f years", f[21]))
	}
	if t.baseAFR >= 2*t.m.BaselineAFR("") && t.baseAFR > 0 {
		r = append(r, fmt.Sprintf("this model fails %.1f%% per year (fleet %.1f%%)", 100*t.baseAFR, 100*t.m.BaselineAFR("")))
	}
	return r
}
