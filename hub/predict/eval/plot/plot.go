// Package plot draws the evaluation's figures with gonum/plot: Critical
// detection against false alarms for predictor and rule on both splits,
// and the calibration of the published 30-day probability.
package plot

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/homefleet/homefleet/hub/predict/eval"
)

// Files are the figures Write draws, each as SVG and PNG.
var Files = []string{"curves", "calibration"} //nolint:gochecknoglobals // fixed list

var (
	heldOutColor = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff} //nolint:gochecknoglobals // palette
	timeColor    = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff} //nolint:gochecknoglobals // palette
)

type split struct {
	name  string
	sp    *eval.Split
	color color.Color
}

func splits(r *eval.Report) []split {
	return []split{{"held-out drives", &r.HeldOut, heldOutColor}, {"time split", &r.TimeSplit, timeColor}}
}

// Write draws every figure of r into dir (created if missing).
func Write(r *eval.Report, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil { //nolint:gosec // figures for reading
		return fmt.Errorf("creating plot directory: %w", err)
	}
	figures := map[string]func(*eval.Report) (*plot.Plot, error){"curves": curves, "calibration": calibration}
	for _, name := range Files {
		p, err := figures[name](r)
		if err != nil {
			return fmt.Errorf("drawing %s: %w", name, err)
		}
		for _, ext := range []string{".svg", ".png"} {
			path := filepath.Join(dir, name+ext)
			if err := p.Save(16*vg.Centimeter, 11*vg.Centimeter, path); err != nil {
				return fmt.Errorf("saving %s: %w", path, err)
			}
		}
	}
	return nil
}

func xy(points []eval.Point) plotter.XYs {
	out := make(plotter.XYs, 0, len(points))
	for _, p := range points {
		out = append(out, plotter.XY{X: p.FalsePer100DY, Y: 100 * p.FDR})
	}
	return out
}

// curves is FDR 2-30 d against false drives per 100 drive-years: the
// whole curve of each method on the test drives (lines) and the points
// tuned on the training drives for each target (markers).
func curves(r *eval.Report) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Critical: failures caught 2-30 days ahead"
	p.X.Label.Text = "false drives per 100 drive-years"
	p.Y.Label.Text = "failures detected (%)"
	p.X.Min, p.X.Max, p.Y.Min = 0, 6, 0
	p.Add(plotter.NewGrid())
	for _, s := range splits(r) {
		for _, m := range []struct {
			name   string
			trace  []eval.Point
			tuned  func(eval.CurvePoint) eval.Point
			dashed bool
			shape  draw.GlyphDrawer
		}{
			{"predictor", s.sp.PredictorTrace, func(c eval.CurvePoint) eval.Point { return c.Predictor }, false, draw.CircleGlyph{}},
			{"rule", s.sp.RuleTrace, func(c eval.CurvePoint) eval.Point { return c.Rule }, true, draw.SquareGlyph{}},
		} {
			line, err := plotter.NewLine(xy(m.trace))
			if err != nil {
				return nil, fmt.Errorf("%s %s curve: %w", s.name, m.name, err)
			}
			line.Color = s.color
			if m.dashed {
				line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			}
			var tuned []eval.Point
			for _, c := range s.sp.Curve {
				tuned = append(tuned, m.tuned(c))
			}
			marks, err := plotter.NewScatter(xy(tuned))
			if err != nil {
				return nil, fmt.Errorf("%s %s points: %w", s.name, m.name, err)
			}
			marks.Color, marks.Shape = s.color, m.shape
			p.Add(line, marks)
			p.Legend.Add(s.name+", "+m.name, line, marks)
		}
	}
	p.Legend.Top, p.Legend.Left = false, false
	return p, nil
}

// calibration is the observed 30-day failure rate against the mean
// published probability per tenth of its range, beside the diagonal.
func calibration(r *eval.Report) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Published 30-day failure probability"
	p.X.Label.Text = "published probability (%)"
	p.Y.Label.Text = "failed within 30 days (%)"
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 100, 0, 100
	p.Add(plotter.NewGrid())
	diag, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 100, Y: 100}})
	if err != nil {
		return nil, fmt.Errorf("diagonal: %w", err)
	}
	diag.Color, diag.Dashes = color.Gray{Y: 0x80}, []vg.Length{vg.Points(2), vg.Points(2)}
	p.Add(diag)
	p.Legend.Add("perfect", diag)
	for _, s := range splits(r) {
		var pts plotter.XYs
		for _, b := range s.sp.Calibration.Bins {
			if b.Rows >= 20 { // fewer rows say little
				pts = append(pts, plotter.XY{X: 100 * b.MeanProb, Y: 100 * b.FailedWithin})
			}
		}
		line, marks, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, fmt.Errorf("%s calibration: %w", s.name, err)
		}
		line.Color, marks.Color = s.color, s.color
		p.Add(line, marks)
		p.Legend.Add(fmt.Sprintf("%s (Brier %.4f, rule %.4f)", s.name, s.sp.Calibration.Brier, s.sp.Calibration.RuleBrier), line, marks)
	}
	p.Legend.Top, p.Legend.Left = true, true
	return p, nil
}
