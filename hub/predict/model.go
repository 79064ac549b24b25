package predict

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
)

// Logistic is a logistic regression over the feature vector, with the
// standardization it was fitted with.
type Logistic struct {
	Weights []float64 `json:"weights"`
	Mean    []float64 `json:"mean"`
	Scale   []float64 `json:"scale"`
}

// Prob is the predicted probability for feature vector f.
func (l Logistic) Prob(f [NumFeatures]float64) float64 {
	if len(l.Weights) != NumFeatures {
		return 0
	}
	z := l.Weights[0]
	for i := 1; i < NumFeatures; i++ {
		z += l.Weights[i] * (f[i] - l.Mean[i]) / l.Scale[i]
	}
	return 1 / (1 + math.Exp(-z))
}

// Model is everything the predictor needs: two logistic models, the
// alert thresholds and the per-model baselines.
type Model struct {
	Critical          Logistic           `json:"critical"`    // failure within 30 days
	Watch             Logistic           `json:"watch"`       // failure within 90 days
	Calibration       Calibration        `json:"calibration"` // raw Critical score to the published P30
	CriticalThreshold float64            `json:"critical_threshold"`
	WatchThreshold    float64            `json:"watch_threshold"`
	FastGrowth        int64              `json:"fast_growth"`       // pending+uncorrectable growth that means Failing
	FastWindowHours   float64            `json:"fast_window_hours"` // ...within this many hours
	GlobalAFR         float64            `json:"global_afr"`        // failures per drive-year
	ModelAFR          map[string]float64 `json:"model_afr"`         // per drive model
}

// BaselineAFR is the annual failure rate of a drive model, or the global
// rate for a model never seen.
func (m *Model) BaselineAFR(model string) float64 {
	if a, ok := m.ModelAFR[model]; ok && a > 0 {
		return a
	}
	if m.GlobalAFR > 0 {
		return m.GlobalAFR
	}
	return 0.035
}

//go:embed model.json
var defaultModel []byte

// Default is the model shipped with homefleet, fitted on the Backblaze
// training folds (see `homefleet predict fit`).
func Default() (*Model, error) {
	var m Model
	if err := json.Unmarshal(defaultModel, &m); err != nil {
		return nil, fmt.Errorf("loading the built-in model: %w", err)
	}
	return &m, nil
}
