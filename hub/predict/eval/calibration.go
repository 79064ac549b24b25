package eval

import (
	"fmt"

	"github.com/homefleet/homefleet/hub/predict"
)

// outcome says whether drive d failed within horizon hours of hour h, and
// whether that is known by hour to (the end of what may be looked at).
func outcome(d *Drive, h, to, horizon float64) (failed, known bool) {
	if d.Failed && d.FailHour() <= to && d.FailHour()-h <= horizon {
		return true, true
	}
	return false, h+horizon <= to
}

// eachOutcome calls f for every row inside w whose 30-day outcome is known.
func eachOutcome(seqs []scored, w window, f func(s *scored, j int, failed bool)) {
	for i := range seqs {
		s := &seqs[i]
		from, to := w.of(s.d)
		for j, h := range s.hours {
			if h < from || h >= to {
				continue
			}
			if failed, known := outcome(s.d, h, to, critH); known {
				f(s, j, failed)
			}
		}
	}
}

// calibration fits the published probability on the training rows.
func calibration(seqs []scored, w window) (predict.Calibration, error) {
	var raw []float32
	var trig, failed []bool
	eachOutcome(seqs, w, func(s *scored, j int, f bool) {
		raw, trig, failed = append(raw, s.p30[j]), append(trig, s.trig[j]), append(failed, f)
	})
	c, err := predict.FitCalibration(raw, trig, failed)
	if err != nil {
		return c, fmt.Errorf("calibrating the 30-day probability: %w", err)
	}
	return c, nil
}

// Bin is one tenth of the published probability's range.
type Bin struct {
	From, To     float64 `json:"-"`
	Range        string  `json:"range"`
	Rows         int     `json:"rows"`
	MeanProb     float64 `json:"mean_probability"`
	FailedWithin float64 `json:"failed_within_30d"`
}

// Calibration is how well the published 30-day probability matches what
// happened on the test drives, beside the rule's.
type Calibration struct {
	Bins      []Bin      `json:"deciles"`
	Brier     float64    `json:"brier"`
	RuleBrier float64    `json:"rule_brier"`
	BaseRate  float64    `json:"base_rate"`        // share of rows followed by a failure within 30 days
	RuleProb  [2]float64 `json:"rule_probability"` // the rule's probability when quiet and when it fires, from the training rows
}

// ruleRates is the share of training rows followed by a failure within 30
// days when the rule is quiet and when it fires: the rule's probability.
func ruleRates(seqs []scored, w window) [2]float64 {
	var n, f [2]float64
	eachOutcome(seqs, w, func(s *scored, j int, failed bool) {
		k := 0
		if s.rule[j] {
			k = 1
		}
		n[k]++
		if failed {
			f[k]++
		}
	})
	return [2]float64{f[0] / max(n[0], 1), f[1] / max(n[1], 1)}
}

// calibrate scores the published probability of m on the test rows in
// deciles, with the Brier scores of it and of the rule (rates from the
// training rows).
func calibrate(m *predict.Model, trainSeqs, testSeqs []scored, trainW, testW window) Calibration {
	c := Calibration{RuleProb: ruleRates(trainSeqs, trainW)}
	c.Bins = make([]Bin, 10)
	for i := range c.Bins {
		c.Bins[i].From, c.Bins[i].To = float64(i)/10, float64(i+1)/10
		c.Bins[i].Range = fmt.Sprintf("%d-%d %%", 10*i, 10*(i+1))
	}
	var rows, fails float64
	eachOutcome(testSeqs, testW, func(s *scored, j int, failed bool) {
		p := m.Calibration.Prob(float64(s.p30[j]), s.trig[j])
		y, k := 0.0, 0
		if failed {
			y = 1
		}
		if s.rule[j] {
			k = 1
		}
		b := &c.Bins[min(int(p*10), 9)]
		b.Rows++
		b.MeanProb += p
		b.FailedWithin += y
		c.Brier += (p - y) * (p - y)
		c.RuleBrier += (c.RuleProb[k] - y) * (c.RuleProb[k] - y)
		rows++
		fails += y
	})
	for i := range c.Bins {
		if n := float64(c.Bins[i].Rows); n > 0 {
			c.Bins[i].MeanProb /= n
			c.Bins[i].FailedWithin /= n
		}
	}
	if rows > 0 {
		c.Brier /= rows
		c.RuleBrier /= rows
		c.BaseRate = fails / rows
	}
	return c
}
