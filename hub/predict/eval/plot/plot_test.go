package plot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/homefleet/homefleet/hub/predict/eval"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

func report() *eval.Report {
	sp := eval.Split{
		PredictorTrace: []eval.Point{{FalsePer100DY: 0.5, FDR: 0.15}, {FalsePer100DY: 1, FDR: 0.28}, {FalsePer100DY: 3.6, FDR: 0.47}},
		RuleTrace:      []eval.Point{{FalsePer100DY: 0.4, FDR: 0.14}, {FalsePer100DY: 3.7, FDR: 0.48}},
		Curve:          []eval.CurvePoint{{Target: 1, Predictor: eval.Point{FalsePer100DY: 0.98, FDR: 0.282}, Rule: eval.Point{FalsePer100DY: 0.96, FDR: 0.246}}},
		Calibration: eval.Calibration{Brier: 0.0281, RuleBrier: 0.0332, Bins: []eval.Bin{
			{Rows: 1000, MeanProb: 0.01, FailedWithin: 0.01}, {Rows: 300, MeanProb: 0.14, FailedWithin: 0.17}, {Rows: 5, MeanProb: 0.95, FailedWithin: 0},
		}},
	}
	return &eval.Report{HeldOut: sp, TimeSplit: sp}
}

// TestWriteDrawsEveryFigure: each figure is written as SVG and PNG, with
// the legend naming both splits, both methods and the Brier scores.
func TestWriteDrawsEveryFigure(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "plots")
	if err := Write(report(), dir); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"curves":      {"held-out drives, predictor", "time split, rule", "false drives per 100 drive-years"},
		"calibration": {"Brier 0.0281, rule 0.0332", "perfect"},
	}
	for _, name := range Files {
		svg, err := os.ReadFile(filepath.Join(dir, name+".svg"))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want[name] {
			if !strings.Contains(string(svg), w) {
				t.Errorf("%s.svg lacks %q", name, w)
			}
		}
		png, err := os.ReadFile(filepath.Join(dir, name+".png"))
		if err != nil || len(png) < 1000 || string(png[1:4]) != "PNG" {
			t.Errorf("%s.png: %d bytes, %v", name, len(png), err)
		}
	}
}

func TestWriteRefusesAFileAsDirectory(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Write(report(), f); err == nil || !strings.Contains(err.Error(), "plot directory") {
		t.Errorf("want a plot directory error, got %v", err)
	}
}
