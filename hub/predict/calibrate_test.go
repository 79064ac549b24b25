package predict

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestFitCalibrationRecoversTheMapping: outcomes drawn from a known
// mapping of raw score and trigger give that mapping back, and the fitted
// probabilities match the observed rates.
func TestFitCalibrationRecoversTheMapping(t *testing.T) {
	want := Calibration{Bias: -1, Slope: 0.5, Trigger: 1.5}
	rng := rand.New(rand.NewPCG(1, 2))
	var raw []float32
	var trig, failed []bool
	for range 40000 {
		r := float32(0.001 + 0.998*rng.Float64())
		tr := rng.IntN(3) == 0
		raw, trig = append(raw, r), append(trig, tr)
		failed = append(failed, rng.Float64() < want.Prob(float64(r), tr))
	}
	got, err := FitCalibration(raw, trig, failed)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"bias", got.Bias, want.Bias}, {"slope", got.Slope, want.Slope}, {"trigger", got.Trigger, want.Trigger}} {
		if math.Abs(c.got-c.want) > 0.1 {
			t.Errorf("%s %.3f, want %.3f", c.name, c.got, c.want)
		}
	}
	if _, err := FitCalibration(raw, trig[:1], failed); err == nil {
		t.Error("mismatched lengths must fail")
	}
	if p := (Calibration{}).Prob(0.3, true); p != 0.3 {
		t.Errorf("an uncalibrated model publishes its raw score, got %.3f", p)
	}
}
