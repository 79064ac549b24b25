package eval

import (
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/homefleet/homefleet/hub/predict"
)

// Cutoff of the time split: fit before, test after.
var Cutoff = time.Date(2015, 7, 1, 0, 0, 0, 0, time.UTC) //nolint:gochecknoglobals // protocol constant

// Summary is one method's figures on one split, with the documented keys.
type Summary struct {
	CriticalFDR        float64 `json:"critical_fdr_2d_30d"`
	FalsePer100DY      float64 `json:"false_drives_per_100_drive_years"`
	Precision30        float64 `json:"precision_30d"`
	WatchFDR           float64 `json:"watch_fdr_7d_90d"`
	WatchFalsePer100DY float64 `json:"watch_false_drives_per_100_drive_years"`
	WatchPrecision90   float64 `json:"watch_precision_90d"`
	MedianLeadDays     float64 `json:"median_lead_days"`
	Critical           Metrics `json:"critical"`
	Watch              Metrics `json:"watch"`
}

func summarize(drives []*Drive, alerts map[string][]Alert, win window) Summary {
	c := score(drives, alerts, isCritical, critLo, critHi, critH, win)
	w := score(drives, alerts, isWatch, watchLo, watchHi, watchH, win)
	return Summary{
		CriticalFDR: c.FDR, FalsePer100DY: c.FalsePer100DY, Precision30: c.Precision,
		WatchFDR: w.FDR, WatchFalsePer100DY: w.FalsePer100DY, WatchPrecision90: w.Precision,
		MedianLeadDays: c.MedianLeadD, Critical: c, Watch: w,
	}
}

// Split is the result of one split.
type Split struct {
	Predictor  Summary `json:"predictor"`
	Baseline   Summary `json:"baseline"`
	TrainDrive int     `json:"train_drives"`
	TestDrives int     `json:"test_drives"`
	CriticalT  float64 `json:"critical_threshold"`
	WatchT     float64 `json:"watch_threshold"`
	// Curve compares predictor and rule at equal false rates, each tuned
	// on the training drives.
	Curve []CurvePoint `json:"curve"`
	// Ceilings: the share of failures with any row 2-30 (7-90) days before
	// failing, the most an alert at a row can catch.
	Ceiling      float64     `json:"ceiling_2d_30d"`
	WatchCeiling float64     `json:"watch_ceiling_7d_90d"`
	Calibration  Calibration `json:"calibration"`
	// Traces are the whole Critical curves on the test drives (every
	// threshold and minimum increase, untuned), for plots.
	PredictorTrace []Point `json:"predictor_trace"`
	RuleTrace      []Point `json:"rule_trace"`

	alerts map[string][]Alert
	model  *predict.Model
	testW  window
	drives []*Drive // the test drives
}

// Report is the whole evaluation.
type Report struct {
	HeldOut   Split   `json:"held_out"`
	TimeSplit Split   `json:"time_split"`
	Drives    int     `json:"drives"`
	Failures  int     `json:"failures"`
	Seconds   float64 `json:"seconds"`
}

// Run evaluates on both splits.
func Run(drives []*Drive) (*Report, error) {
	start := time.Now()
	r := &Report{Drives: len(drives)}
	for _, d := range drives {
		if d.Failed {
			r.Failures++
		}
	}
	var train, test []*Drive
	for _, d := range drives {
		if d.HeldOut() {
			test = append(test, d)
		} else {
			train = append(train, d)
		}
	}
	var err error
	if r.HeldOut, err = runSplit(train, test, whole, whole); err != nil {
		return nil, fmt.Errorf("held-out split: %w", err)
	}
	past := window{span: before(Cutoff), weight: inServiceMix(drives, Cutoff, before(Cutoff))}
	if r.TimeSplit, err = runSplit(drives, drives, past, window{span: after(Cutoff)}); err != nil {
		return nil, fmt.Errorf("time split: %w", err)
	}
	r.Seconds = time.Since(start).Seconds()
	return r, nil
}

func runSplit(train, test []*Drive, trainW, testW window) (Split, error) {
	m, trainSeqs, err := fit(train, trainW)
	if err != nil {
		return Split{}, err
	}
	testSeqs := trainSeqs // the time split tests the same drives in a later window
	if sameDrives := len(test) == len(train) && &test[0] == &train[0]; !sameDrives {
		testSeqs = scoreDrives(test, m)
	}
	alerts := trackerAlerts(test, m)
	sp := Split{
		Predictor: summarize(test, alerts, testW), Baseline: summarize(test, baselineAlerts(test), testW),
		TrainDrive: len(train), TestDrives: len(test), CriticalT: m.CriticalThreshold, WatchT: m.WatchThreshold,
		Curve:        curve(train, test, trainSeqs, testSeqs, trainW, testW),
		Ceiling:      ceiling(test, testW, critLo, critHi),
		WatchCeiling: ceiling(test, testW, watchLo, watchHi),
		Calibration:  calibrate(m, trainSeqs, testSeqs, trainW, testW),
		alerts:       alerts, model: m, testW: testW, drives: test,
	}
	sp.PredictorTrace, sp.RuleTrace = traces(test, testSeqs, testW)
	return sp, nil
}

// writeCurve prints predictor and rule at equal false rates, and the
// calibration of the published probability.
func (sp *Split) writeCurve(w io.Writer) {
	fmt.Fprintf(w, "  Critical at equal false rates (tuned on training, false rate it produced on test):\n")
	fmt.Fprintf(w, "  %8s | %-34s | %-34s\n", "target", "predictor FDR / false / prec / lead", "rule FDR / false / prec / min increase")
	for _, c := range sp.Curve {
		fmt.Fprintf(w, "  %8.1f | %5.1f %% %6.2f %5.1f %% %5.1f d     | %5.1f %% %6.2f %5.1f %% >= %.0f\n", c.Target,
			100*c.Predictor.FDR, c.Predictor.FalsePer100DY, 100*c.Predictor.Precision30, c.Predictor.MedianLeadDays,
			100*c.Rule.FDR, c.Rule.FalsePer100DY, 100*c.Rule.Precision30, c.Rule.Knob)
	}
	c := sp.Calibration
	fmt.Fprintf(w, "  published 30-day probability: Brier %.4f (rule %.4f, base rate %.2f %%)\n", c.Brier, c.RuleBrier, 100*c.BaseRate)
	for _, b := range c.Bins {
		if b.Rows > 0 {
			fmt.Fprintf(w, "    %-9s rows %7d  mean %5.1f %%  failed within 30 d %5.1f %%\n", b.Range, b.Rows, 100*b.MeanProb, 100*b.FailedWithin)
		}
	}
}

// Model is the model fitted on the held-out split's training folds.
func (r *Report) Model() *predict.Model { return r.HeldOut.model }

// WriteAlerts writes the held-out predictor's alerts as serial,hour,level.
func (r *Report) WriteAlerts(w io.Writer) error { return r.HeldOut.writeAlerts(w) }

// WriteTimeAlerts writes the time split's alerts after the cutoff (hour
// on each drive's power-on axis) in the same CSV.
func (r *Report) WriteTimeAlerts(w io.Writer) error { return r.TimeSplit.writeAlerts(w) }

// writeAlerts writes the alerts inside the test window, by serial.
func (sp *Split) writeAlerts(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"serial", "hour", "level"}); err != nil {
		return fmt.Errorf("writing alerts: %w", err)
	}
	serials := make([]string, 0, len(sp.alerts))
	for s := range sp.alerts {
		serials = append(serials, s)
	}
	sort.Strings(serials)
	byserial := map[string]*Drive{}
	for _, d := range sp.drives {
		byserial[d.Serial] = d
	}
	for _, s := range serials {
		from, to := sp.testW.of(byserial[s])
		for _, a := range sp.alerts[s] {
			if a.Hour < from || a.Hour >= to {
				continue
			}
			if err := cw.Write([]string{a.Serial, strconv.FormatFloat(a.Hour, 'f', -1, 64), a.Level}); err != nil {
				return fmt.Errorf("writing alerts: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("writing alerts: %w", err)
	}
	return nil
}

// WriteText prints the report as a table.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "drives %d, failures %d, %.1f s\n", r.Drives, r.Failures, r.Seconds)
	for _, s := range []struct {
		name string
		sp   Split
	}{{"held-out drives (FNV-1a(serial) % 5 == 4)", r.HeldOut}, {"time split (fit before 2015-07-01, test after)", r.TimeSplit}} {
		fmt.Fprintf(w, "\n%s: train %d drives, test %d drives, thresholds critical %.4f watch %.4f\n", s.name, s.sp.TrainDrive, s.sp.TestDrives, s.sp.CriticalT, s.sp.WatchT)
		fmt.Fprintf(w, "  %-44s %10s %10s\n", "", "predictor", "baseline")
		row := func(label string, f func(Summary) float64, format string) {
			fmt.Fprintf(w, "  %-44s %10s %10s\n", label, fmt.Sprintf(format, f(s.sp.Predictor)), fmt.Sprintf(format, f(s.sp.Baseline)))
		}
		row("Critical FDR 2-30 d", func(x Summary) float64 { return 100 * x.CriticalFDR }, "%.1f %%")
		row("Critical false drives / 100 drive-years", func(x Summary) float64 { return x.FalsePer100DY }, "%.2f")
		row("Critical precision @30 d", func(x Summary) float64 { return 100 * x.Precision30 }, "%.1f %%")
		row("Critical median lead (days)", func(x Summary) float64 { return x.MedianLeadDays }, "%.1f")
		row("Watch FDR 7-90 d", func(x Summary) float64 { return 100 * x.WatchFDR }, "%.1f %%")
		row("Watch false drives / 100 drive-years", func(x Summary) float64 { return x.WatchFalsePer100DY }, "%.2f")
		row("Watch precision @90 d", func(x Summary) float64 { return 100 * x.WatchPrecision90 }, "%.1f %%")
		fmt.Fprintf(w, "  failures %d, drive-years %.0f; failures with a row 2-30 d before: %.1f %%, 7-90 d: %.1f %%\n",
			s.sp.Predictor.Critical.Failures, s.sp.Predictor.Critical.DriveYears, 100*s.sp.Ceiling, 100*s.sp.WatchCeiling)
		s.sp.writeCurve(w)
	}
}
