package predict

import (
	"errors"
	"fmt"
	"math"
)

// ErrFit is returned when a model cannot be fitted.
var ErrFit = errors.New("cannot fit model")

// Example is one training row: features and whether the drive failed
// within the horizon.
type Example struct {
	F      [NumFeatures]float64
	Label  bool
	Weight float64 // how much the row counts; 0 counts as 1
}

func (e Example) weight() float64 {
	if e.Weight == 0 {
		return 1
	}
	return e.Weight
}

// FitLogistic fits a ridge-regularized, weighted logistic regression by
// Newton's method (IRLS) on standardized features. Deterministic.
func FitLogistic(ex []Example, ridge float64) (Logistic, error) {
	if len(ex) == 0 {
		return Logistic{}, fmt.Errorf("%w: no examples", ErrFit)
	}
	const p = NumFeatures
	mean := make([]float64, p)
	scale := make([]float64, p)
	for _, e := range ex {
		for i := 1; i < p; i++ {
			mean[i] += e.F[i]
		}
	}
	n := float64(len(ex))
	for i := 1; i < p; i++ {
		mean[i] /= n
	}
	for _, e := range ex {
		for i := 1; i < p; i++ {
			d := e.F[i] - mean[i]
			scale[i] += d * d
		}
	}
	for i := 1; i < p; i++ {
		scale[i] = math.Sqrt(scale[i] / n)
		if scale[i] < 1e-9 {
			scale[i] = 1
		}
	}
	scale[0] = 1
	w := make([]float64, p)
	x := make([]float64, p)
	for iter := 0; iter < 25; iter++ {
		var grad [p]float64
		var hess [p][p]float64
		for _, e := range ex {
			x[0] = 1
			for i := 1; i < p; i++ {
				x[i] = (e.F[i] - mean[i]) / scale[i]
			}
			z := 0.0
			for i := range p {
				z += w[i] * x[i]
			}
			mu := 1 / (1 + math.Exp(-z))
			y := 0.0
			if e.Label {
				y = 1
			}
			ew := e.weight()
			r := (mu - y) * ew
			wt := max(mu*(1-mu), 1e-12) * ew
			for i := range p {
				grad[i] += r * x[i]
				xi := wt * x[i]
				for j := 0; j <= i; j++ {
					hess[i][j] += xi * x[j]
				}
			}
		}
		for i := 1; i < p; i++ {
			grad[i] += ridge * w[i]
			hess[i][i] += ridge
		}
		for i := range p {
			for j := 0; j < i; j++ {
				hess[j][i] = hess[i][j]
			}
		}
		rows := make([][]float64, p)
		for i := range rows {
			rows[i] = hess[i][:]
		}
		maxStep, err := newtonStep(w, rows, grad[:])
		if err != nil {
			return Logistic{}, err
		}
		if maxStep < 1e-6 {
			break
		}
	}
	return Logistic{Weights: w, Mean: mean, Scale: scale}, nil
}

// newtonStep moves w by the Newton step for hess and grad and returns the
// largest change of a weight.
func newtonStep(w []float64, hess [][]float64, grad []float64) (float64, error) {
	step, err := solve(hess, grad)
	if err != nil {
		return 0, err
	}
	maxStep := 0.0
	for i := range w {
		w[i] -= step[i]
		maxStep = math.Max(maxStep, math.Abs(step[i]))
	}
	return maxStep, nil
}

// solve solves A x = b for symmetric positive definite A (Cholesky).
func solve(a [][]float64, b []float64) ([]float64, error) {
	p := len(b)
	l := make([][]float64, p)
	for i := range l {
		l[i] = make([]float64, p)
	}
	for i := range p {
		for j := 0; j <= i; j++ {
			s := a[i][j]
			for k := 0; k < j; k++ {
				s -= l[i][k] * l[j][k]
			}
			if i == j {
				if s <= 0 {
					return nil, fmt.Errorf("%w: matrix not positive definite", ErrFit)
				}
				l[i][i] = math.Sqrt(s)
			} else {
				l[i][j] = s / l[j][j]
			}
		}
	}
	y, x := make([]float64, p), make([]float64, p)
	for i := range p {
		s := b[i]
		for k := 0; k < i; k++ {
			s -= l[i][k] * y[k]
		}
		y[i] = s / l[i][i]
	}
	for i := p - 1; i >= 0; i-- {
		s := y[i]
		for k := i + 1; k < p; k++ {
			s -= l[k][i] * x[k]
		}
		x[i] = s / l[i][i]
	}
	return x, nil
}

// ObserveFeatures records o and returns the feature vector the verdict
// would use, for training.
func (t *Tracker) ObserveFeatures(o Obs) [NumFeatures]float64 {
	t.observe(o)
	return t.features(o.Hour)
}

// Alert is the alert raised by the latest observation: Watch or Critical
// when a growth attribute rose with risk over the threshold (again and
// again while the disk keeps deteriorating), Failing on entering Failing,
// OK for none.
func (t *Tracker) Alert() State { return t.alert }

// Triggered reports whether a growth attribute (5/187/197/198) rose at
// the latest observation: the moments the predictor may raise an alert.
func (t *Tracker) Triggered() bool { return t.trig }

// Score records o and returns the state and probabilities without the
// reasons in words: the fast path for replaying years of history.
// Critical and Watch are raised only when a growth attribute rises and
// the model's risk clears the threshold; they then hold for their
// horizon (30 and 90 days), so a stable count does not keep a drive red.
func (t *Tracker) Score(o Obs) (State, float64, float64) {
	t.observe(o)
	f := t.features(o.Hour)
	p30, p90 := t.m.Critical.Prob(f), t.m.Watch.Prob(f)
	wasFailing := t.alert == Failing || t.wasFailing
	t.alert, t.wasFailing = OK, false
	if t.trig && p90 >= t.m.WatchThreshold {
		t.watchTil, t.alert = o.Hour+2160, Watch
	}
	if t.trig && p30 >= t.m.CriticalThreshold {
		t.critTil, t.alert = o.Hour+720, Critical
	}
	switch {
	case t.failing(o):
		if !wasFailing {
			t.alert = Failing
		}
		t.wasFailing = true
		return Failing, p30, p90
	case o.Hour < t.critTil:
		return Critical, p30, p90
	case o.Hour < t.watchTil || t.nvmeWatch(o):
		return Watch, p30, p90
	}
	return OK, p30, p90
}
