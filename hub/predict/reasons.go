package predict

import (
	"fmt"

	"github.com/homefleet/homefleet/internal/smartattr"
)

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
		s := &t.s[slot]
		now := s.now()
		if now <= 0 {
			continue
		}
		switch d7, d30 := now-s.at(o.Hour-168), now-s.at(o.Hour-720); {
		case d7 > 0:
			r = append(r, fmt.Sprintf("%s rose by %d in 7 days (now %d)", smartattr.Name(AttrIDs[slot]), d7, now))
		case d30 > 0:
			r = append(r, fmt.Sprintf("%s rose by %d in 30 days (now %d)", smartattr.Name(AttrIDs[slot]), d30, now))
		default:
			r = append(r, fmt.Sprintf("%s: %d, stable for 30 days", smartattr.Name(AttrIDs[slot]), now))
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
