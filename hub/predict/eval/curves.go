package eval

import (
	"sort"

	"github.com/homefleet/homefleet/hub/predict"
)

// Targets are the false-alarm rates (false drives per 100 drive-years) at
// which predictor and rule are compared: each one's knob is tuned to the
// target on the training drives and applied unchanged to the test drives.
var Targets = []float64{0.5, 1, 2, 4} //nolint:gochecknoglobals // protocol constant

// Point is one operating point on the test drives.
type Point struct {
	Knob           float64 `json:"knob"` // predictor: score threshold; rule: minimum increase
	FDR            float64 `json:"critical_fdr_2d_30d"`
	FalsePer100DY  float64 `json:"false_drives_per_100_drive_years"`
	Precision30    float64 `json:"precision_30d"`
	MedianLeadDays float64 `json:"median_lead_days"`
}

func point(knob float64, m Metrics) Point {
	return Point{Knob: knob, FDR: m.FDR, FalsePer100DY: m.FalsePer100DY, Precision30: m.Precision, MedianLeadDays: m.MedianLeadD}
}

// CurvePoint compares predictor and rule at one target false rate.
type CurvePoint struct {
	Target    float64 `json:"target_false_per_100_drive_years"`
	Predictor Point   `json:"predictor"`
	Rule      Point   `json:"rule"`
}

// trial is the Critical figures at one threshold.
type trial struct {
	th float32
	m  Metrics
}

// sweep scores Critical (critical) or Watch alerts at the top quantiles of
// all row scores as thresholds; Watch sweeps under Critical threshold critT.
func sweep(drives []*Drive, seqs []scored, w window, critical bool, critT float32) []trial {
	var cands []float32
	for _, s := range seqs {
		src := s.p90
		if critical {
			src = s.p30
		}
		cands = append(cands, src...)
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i] > cands[j] })
	var out []trial
	for q := 0.0001; q < 0.2; q *= 1.15 {
		th := cands[int(q*float64(len(cands)))]
		var m Metrics
		if critical {
			m = score(drives, alertsAt(seqs, th, 2), isCritical, critLo, critHi, critH, w)
		} else {
			m = score(drives, alertsAt(seqs, critT, th), isWatch, watchLo, watchHi, watchH, w)
		}
		out = append(out, trial{th, m})
	}
	return out
}

// pick is the threshold with the best FDR whose false rate stays within
// target (1, no alerts, when none does).
func pick(trials []trial, target float64) float32 {
	ms := make([]Metrics, len(trials))
	for i, t := range trials {
		ms[i] = t.m
	}
	if i := best(ms, target); i >= 0 {
		return trials[i].th
	}
	return 1
}

// best is the index of the best FDR whose false rate stays within target
// (-1: none does).
func best(ms []Metrics, target float64) int {
	at, bestFDR := -1, -1.0
	for i, m := range ms {
		if m.FalsePer100DY <= target && m.FDR > bestFDR {
			at, bestFDR = i, m.FDR
		}
	}
	return at
}

// ruleKnobs are the minimum increases the rule is tuned over.
var ruleKnobs = []int64{1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 256, 512} //nolint:gochecknoglobals // fixed table

// curve tunes predictor and rule to each target on the training drives
// and scores them on the test drives.
func curve(train, test []*Drive, trainSeqs, testSeqs []scored, trainW, testW window) []CurvePoint {
	trials := sweep(train, trainSeqs, trainW, true, 2)
	ruleTrain := make([]Metrics, len(ruleKnobs))
	for i, k := range ruleKnobs {
		ruleTrain[i] = score(train, ruleAlerts(train, k), isCritical, critLo, critHi, critH, trainW)
	}
	var out []CurvePoint
	for _, target := range Targets {
		th := pick(trials, target)
		cp := CurvePoint{Target: target,
			Predictor: point(float64(th), score(test, alertsAt(testSeqs, th, 2), isCritical, critLo, critHi, critH, testW))}
		k := ruleKnobs[len(ruleKnobs)-1] // none within target: the strictest
		if i := best(ruleTrain, target); i >= 0 {
			k = ruleKnobs[i]
		}
		cp.Rule = point(float64(k), score(test, ruleAlerts(test, k), isCritical, critLo, critHi, critH, testW))
		out = append(out, cp)
	}
	return out
}

// traces are the whole curves on the test drives (every threshold, not
// tuned), for the plot.
func traces(test []*Drive, testSeqs []scored, testW window) (pred, rule []Point) {
	for _, t := range sweep(test, testSeqs, testW, true, 2) {
		pred = append(pred, point(float64(t.th), t.m))
	}
	for _, k := range ruleKnobs {
		rule = append(rule, point(float64(k), score(test, ruleAlerts(test, k), isCritical, critLo, critHi, critH, testW)))
	}
	return pred, rule
}

// ceiling is the share of failures inside w with any row starting lo..hi
// hours before the failure: the most any alert on these rows can catch.
func ceiling(drives []*Drive, w window, lo, hi float64) float64 {
	fails, reachable := 0, 0
	for _, d := range drives {
		from, to := w.of(d)
		fail := d.FailHour()
		if !d.Failed || fail > to || fail <= from {
			continue
		}
		fails++
		for _, r := range d.Rows {
			if lead := fail - r.TStart; r.TStart >= from && lead >= lo && lead <= hi {
				reachable++
				break
			}
		}
	}
	if fails == 0 {
		return 0
	}
	return float64(reachable) / float64(fails)
}

// ruleIncrease is the sum of the increases of 5/187/197/198 at each row.
func ruleIncrease(d *Drive) []int64 {
	out := make([]int64, len(d.Rows))
	var last [predict.NumAttrs]int64
	for j, r := range d.Rows {
		for _, k := range growth {
			v := r.Attr[k]
			if v == predict.NA {
				continue
			}
			if j > 0 && v > last[k] {
				out[j] += v - last[k]
			}
			last[k] = v
		}
	}
	return out
}

// ruleAlerts is the rule "alert when 5/187/197/198 rose by at least k in
// all" (k = 1 is the baseline: any increase).
func ruleAlerts(drives []*Drive, k int64) map[string][]Alert {
	out := map[string][]Alert{}
	for _, d := range drives {
		for j, inc := range ruleIncrease(d) {
			if inc >= k {
				out[d.Serial] = append(out[d.Serial], Alert{Serial: d.Serial, Hour: d.Rows[j].TStart, Level: "critical", watch: true, critical: true})
			}
		}
	}
	return out
}
