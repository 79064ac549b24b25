package eval

import (
	"fmt"
	"math"

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

// baselines computes smoothed per-model annual failure rates.
func baselines(drives []*Drive, w window) (float64, map[string]float64) {
	type acc struct{ fails, years float64 }
	per := map[string]*acc{}
	var tf, ty float64
	for _, d := range drives {
		from, to := w.of(d)
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
		ty += y * w.weigh(d) // the fleet rate under the window's mix
		if d.Failed && d.FailHour() <= to {
			a.fails++
			tf += w.weigh(d)
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
		from, to := w.of(d)
		t := predict.NewTracker(m, d.Model)
		for _, r := range d.Rows {
			f := t.ObserveFeatures(obs(r))
			if r.TStart < from || r.TStart >= to || !t.Triggered() {
				continue // alerts are raised only where a growth attribute rises
			}
			if failed, known := outcome(d, r.TStart, to, horizon); known {
				ex = append(ex, predict.Example{F: f, Label: failed, Weight: w.weigh(d)})
			}
		}
	}
	return ex
}

// Fit fits a model on the training drives within w and tunes its
// thresholds to the false-alert targets on those same drives.
func Fit(train []*Drive, w window) (*predict.Model, error) {
	m, _, err := fit(train, w)
	return m, err
}

// fit is Fit, also returning the training drives' replayed scores.
func fit(train []*Drive, w window) (*predict.Model, []scored, error) {
	m := &predict.Model{FastGrowth: FastGrowth, FastWindowHours: 72}
	m.GlobalAFR, m.ModelAFR = baselines(train, w)
	ex30 := examples(train, m, w, critH)
	ex90 := examples(train, m, w, watchH)
	var err error
	if m.Critical, err = predict.FitLogistic(ex30, 1.0); err != nil {
		return nil, nil, fmt.Errorf("fitting the 30-day model: %w", err)
	}
	if m.Watch, err = predict.FitLogistic(ex90, 1.0); err != nil {
		return nil, nil, fmt.Errorf("fitting the 90-day model: %w", err)
	}
	m.CriticalThreshold, m.WatchThreshold = 2, 2 // scores only
	seqs := scoreDrives(train, m)
	critT := pick(sweep(train, seqs, w, true, 2), critFalseTarget)
	m.CriticalThreshold = float64(critT)
	m.WatchThreshold = float64(pick(sweep(train, seqs, w, false, critT), watchFalseTarget))
	if m.Calibration, err = calibration(seqs, w); err != nil {
		return nil, nil, err
	}
	return m, seqs, nil
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
