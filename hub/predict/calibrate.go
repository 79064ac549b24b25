package predict

import (
	"fmt"
	"math"
)

// Calibration maps the Critical model's raw score to the probability
// homefleet publishes ("failure within 30 days"). The raw model is fitted
// on the observations where a growth attribute rose, the moments it may
// alert; published at every observation it would overstate the risk of a
// quiet drive. Calibration is a logistic fit of the outcome on the raw
// score's log-odds and the trigger flag, over every observation of the
// training drives (Platt scaling).
type Calibration struct {
	Bias    float64 `json:"bias"`
	Slope   float64 `json:"slope"`   // per unit of raw log-odds
	Trigger float64 `json:"trigger"` // added when a growth attribute rose
}

// calibrationInputs is the length of Calibration's input vector.
const calibrationInputs = 3

func logit(p float64) float64 {
	p = math.Min(math.Max(p, 1e-6), 1-1e-6)
	return math.Log(p / (1 - p))
}

func (c Calibration) inputs(raw float64, trig bool) [calibrationInputs]float64 {
	x := [calibrationInputs]float64{1, logit(raw), 0}
	if trig {
		x[2] = 1
	}
	return x
}

// Prob is the published probability for raw score raw; a model without a
// calibration (Slope 0) publishes the raw score.
func (c Calibration) Prob(raw float64, trig bool) float64 {
	if c.Slope == 0 {
		return raw
	}
	x := c.inputs(raw, trig)
	return 1 / (1 + math.Exp(-(c.Bias*x[0] + c.Slope*x[1] + c.Trigger*x[2])))
}

// FitCalibration fits the calibration by Newton's method on the raw
// scores, trigger flags and outcomes of the training observations.
func FitCalibration(raw []float32, trig, failed []bool) (Calibration, error) {
	if len(raw) == 0 || len(raw) != len(trig) || len(raw) != len(failed) {
		return Calibration{}, fmt.Errorf("%w: calibration needs matching scores, triggers and outcomes (%d, %d, %d)", ErrFit, len(raw), len(trig), len(failed))
	}
	const p = calibrationInputs
	var c Calibration // inputs only: the weights are w
	w := [p]float64{}
	for range 30 {
		grad := make([]float64, p)
		hess := make([][]float64, p)
		for i := range hess {
			hess[i] = make([]float64, p)
		}
		for i, r := range raw {
			x := c.inputs(float64(r), trig[i])
			z := w[0]*x[0] + w[1]*x[1] + w[2]*x[2]
			mu := 1 / (1 + math.Exp(-z))
			y := 0.0
			if failed[i] {
				y = 1
			}
			wt := max(mu*(1-mu), 1e-12)
			for a := range p {
				grad[a] += (mu - y) * x[a]
				for b := range p {
					hess[a][b] += wt * x[a] * x[b]
				}
			}
		}
		for a := range p {
			hess[a][a] += 1e-6 * float64(len(raw)) // keeps the step defined when a flag never varies
		}
		maxStep, err := newtonStep(w[:], hess, grad)
		if err != nil {
			return Calibration{}, fmt.Errorf("fitting the calibration: %w", err)
		}
		if maxStep < 1e-7 {
			break
		}
	}
	return Calibration{Bias: w[0], Slope: w[1], Trigger: w[2]}, nil
}
