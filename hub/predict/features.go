package predict

import (
	"math"
)

// Feature names, in vector order. Changing them changes the model.
var FeatureNames = []string{
	"bias",
	"log_r5", "log_r187", "log_r197", "log_r198",
	"inc7_r5", "inc7_r187", "inc7_r197", "inc7_r198",
	"inc30_r5", "inc30_r187", "inc30_r197", "inc30_r198",
	"events30", "events_all", "recent_inc",
	"log_r188", "r10_pos", "log_r189", "log_r196", "cycles30",
	"age_years", "log_base_afr", "any_nonzero", "missing187",
	"incnow_r5", "incnow_r187", "incnow_r197", "incnow_r198", "attrs_rising30",
	"obs7", "obs30", "gap_prev_trigger", "incnow_other",
}

// NumFeatures is len(FeatureNames).
const NumFeatures = 34

func l1p(v int64) float64 {
	if v <= 0 {
		return 0
	}
	return math.Log1p(float64(v))
}

// features computes the feature vector at hour h from the history.
func (t *Tracker) features(h float64) [NumFeatures]float64 {
	var f [NumFeatures]float64
	f[0] = 1
	events30, eventsAll := 0, 0
	last := math.Inf(-1)
	anyNonzero := 0.0
	for k, slot := range growthSlots {
		s := &t.s[slot]
		now := s.now()
		f[1+k] = l1p(now)
		f[5+k] = l1p(now - s.at(h-168))
		f[9+k] = l1p(now - s.at(h-720))
		events30 += s.incsSince(h - 720)
		eventsAll += len(s.incs)
		last = math.Max(last, s.lastInc())
		if now > 0 {
			anyNonzero = 1
		}
	}
	f[13] = math.Log1p(float64(events30))
	f[14] = math.Log1p(float64(eventsAll))
	if since := h - last; since >= 0 && since < 24*30 {
		f[15] = 1 - since/(24*30) // 1 just after an increase, fading over 30 days
	}
	f[16] = l1p(t.s[A188].now() & 0xFFFF)
	if t.s[A10].now() > 0 {
		f[17] = 1
	}
	f[18] = l1p(t.s[A189].now())
	f[19] = l1p(t.s[A196].now())
	f[20] = l1p(t.s[A12].now() - t.s[A12].at(h-720))
	f[21] = h / 8760
	f[22] = math.Log(t.baseAFR)
	f[23] = anyNonzero
	if !t.present[A187] {
		f[24] = 1
	}
	rising := 0
	for k, slot := range growthSlots {
		s := &t.s[slot]
		f[25+k] = l1p(s.now() - t.prev[slot])
		if s.incsSince(h-720) > 0 {
			rising++
		}
	}
	f[29] = float64(rising)
	n7, n30 := 0, 0
	for i := len(t.obsHours) - 1; i >= 0 && t.obsHours[i] > h-720; i-- {
		n30++
		if t.obsHours[i] > h-168 {
			n7++
		}
	}
	f[30] = math.Log1p(float64(n7))
	f[31] = math.Log1p(float64(n30))
	if t.prevTrig > 0 {
		f[32] = math.Log1p(h - t.prevTrig)
	} else {
		f[32] = math.Log1p(1e5)
	}
	other := int64(0)
	for _, slot := range [...]int{A10, A188, A189, A196} {
		if d := t.s[slot].now() - t.prev[slot]; d > 0 && t.prev[slot] >= 0 {
			other += d & 0xFFFF
		}
	}
	f[33] = l1p(other)
	return f
}
