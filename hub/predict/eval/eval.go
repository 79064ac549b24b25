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

	alerts map[string][]Alert
	model  *predict.Model
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
	before := func(d *Drive) (float64, float64) {
		cut := d.MinHours + Cutoff.Sub(d.MinDate).Hours()
		return d.Start(), min(d.End(), cut)
	}
	after := func(d *Drive) (float64, float64) {
		return d.MinHours + Cutoff.Sub(d.MinDate).Hours(), d.End()
	}
	if r.TimeSplit, err = runSplit(drives, drives, before, after); err != nil {
		return nil, fmt.Errorf("time split: %w", err)
	}
	r.Seconds = time.Since(start).Seconds()
	return r, nil
}

func runSplit(train, test []*Drive, trainW, testW window) (Split, error) {
	m, err := Fit(train, trainW)
	if err != nil {
		return Split{}, err
	}
	alerts := trackerAlerts(test, m)
	return Split{
		Predictor: summarize(test, alerts, testW), Baseline: summarize(test, baselineAlerts(test), testW),
		TrainDrive: len(train), TestDrives: len(test), CriticalT: m.CriticalThreshold, WatchT: m.WatchThreshold,
		alerts: alerts, model: m,
	}, nil
}

// Model is the model fitted on the held-out split's training folds.
func (r *Report) Model() *predict.Model { return r.HeldOut.model }

// WriteAlerts writes the held-out predictor's alerts as serial,hour,level.
func (r *Report) WriteAlerts(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"serial", "hour", "level"}); err != nil {
		return fmt.Errorf("writing alerts: %w", err)
	}
	serials := make([]string, 0, len(r.HeldOut.alerts))
	for s := range r.HeldOut.alerts {
		serials = append(serials, s)
	}
	sort.Strings(serials)
	for _, s := range serials {
		for _, a := range r.HeldOut.alerts[s] {
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
		fmt.Fprintf(w, "  failures %d, drive-years %.0f\n", s.sp.Predictor.Critical.Failures, s.sp.Predictor.Critical.DriveYears)
	}
}
