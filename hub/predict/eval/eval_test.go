package eval

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/homefleet/homefleet/internal/peer"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

const dataPath = "../../../../shared/data/smart/backblaze-hds/hds_backblaze_2013_2016_startstop.csv.gz"

// TestEvaluateOnBackblaze runs the whole evaluation on the real data set:
// the baseline must reproduce the published figures, and the predictor
// must keep its false-alert budget on drives it never saw.
func TestEvaluateOnBackblaze(t *testing.T) {
	if _, err := os.Stat(dataPath); err != nil {
		peer.Missing(t, "Backblaze data not found at %s", dataPath)
	}
	drives, err := Load(dataPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(drives) != 87068 {
		t.Fatalf("loaded %d drives, want 87068", len(drives))
	}
	r, err := Run(drives)
	if err != nil {
		t.Fatal(err)
	}
	if r.Failures != 5326 {
		t.Errorf("failures %d, want 5326", r.Failures)
	}
	var text bytes.Buffer
	r.WriteText(&text)
	t.Log(text.String())
	b := r.HeldOut.Baseline
	if b.CriticalFDR < 0.46 || b.CriticalFDR > 0.50 || b.FalsePer100DY < 3.5 || b.FalsePer100DY > 3.9 || b.Precision30 < 0.19 || b.Precision30 > 0.23 {
		t.Errorf("baseline differs from the published 48 %% / 3.7 / 21 %%: %+v", b)
	}
	p := r.HeldOut.Predictor
	if p.FalsePer100DY > 1.2 {
		t.Errorf("held-out Critical false drives %.2f per 100 drive-years, budget 1.0", p.FalsePer100DY)
	}
	if p.Precision30 <= b.Precision30 {
		t.Errorf("predictor precision %.3f not above the baseline's %.3f", p.Precision30, b.Precision30)
	}
	if p.MedianLeadDays < 7 {
		t.Errorf("median lead %.1f days, want at least 7", p.MedianLeadDays)
	}
	// Quality floors, re-scored from the alerts files by the independent
	// scorer: the figures measured when they were set, less a hair, so a
	// regression fails here. (The floors are higher; the closing
	// note says by how much.)
	files := map[string][]byte{}
	for name, write := range map[string]func(io.Writer) error{"held-out": r.WriteAlerts, "time": r.WriteTimeAlerts} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		files[name] = b.Bytes()
	}
	var fold4 []*Drive
	for _, d := range drives {
		if heldOutBy(d) {
			fold4 = append(fold4, d)
		}
	}
	lifetime := func(d *Drive) (float64, float64) { return d.Rows[0].TStart, d.Rows[len(d.Rows)-1].TStop }
	afterCut := func(d *Drive) (float64, float64) {
		return d.MinHours + Cutoff.Sub(d.MinDate).Hours(), d.Rows[len(d.Rows)-1].TStop
	}
	hc := rescore(t, fold4, files["held-out"], lifetime, false)
	hw := rescore(t, fold4, files["held-out"], lifetime, true)
	tc := rescore(t, drives, files["time"], afterCut, false)
	tw := rescore(t, drives, files["time"], afterCut, true)
	t.Logf("independent: held-out critical %+v watch %+v; time critical %+v watch %+v", hc, hw, tc, tw)
	if d := hc.fdr - p.CriticalFDR; d > 1e-9 || d < -1e-9 {
		t.Errorf("independent held-out FDR %.4f, eval's %.4f", hc.fdr, p.CriticalFDR)
	}
	checks := []struct {
		name string
		ok   bool
		got  float64
	}{
		{"held-out Critical FDR 2-30 d >= 0.27", hc.fdr >= 0.27, hc.fdr},
		{"held-out Critical false <= 1.0", hc.falsePer100DY <= 1.0, hc.falsePer100DY},
		{"held-out Critical precision@30d >= 0.46", hc.precision >= 0.46, hc.precision},
		{"held-out Watch FDR 7-90 d >= 0.46", hw.fdr >= 0.46, hw.fdr},
		{"held-out Watch false <= 3.0", hw.falsePer100DY <= 3.0, hw.falsePer100DY},
		{"time split Critical FDR 2-30 d >= 0.24", tc.fdr >= 0.24, tc.fdr},
		{"time split Critical false within 2x of its target 1.0", tc.falsePer100DY >= 0.5 && tc.falsePer100DY <= 2, tc.falsePer100DY},
		{"time split Critical FDR within 10 points of the held-out", tc.fdr >= hc.fdr-0.10, tc.fdr},
		{"time split Critical precision@30d >= 0.40", tc.precision >= 0.40, tc.precision},
		{"time split Watch FDR 7-90 d >= 0.26", tw.fdr >= 0.26, tw.fdr},
		{"time split Watch false <= 3.0", tw.falsePer100DY <= 3.0, tw.falsePer100DY},
		{"held-out ceiling 2-30 d", r.HeldOut.Ceiling > 0.6 && r.HeldOut.Ceiling < 0.75, r.HeldOut.Ceiling},
		{"held-out Brier below the rule's", r.HeldOut.Calibration.Brier < r.HeldOut.Calibration.RuleBrier, r.HeldOut.Calibration.Brier},
		{"time split Brier below the rule's", r.TimeSplit.Calibration.Brier < r.TimeSplit.Calibration.RuleBrier, r.TimeSplit.Calibration.Brier},
	}
	// At equal false rates up to 2 per 100 drive-years the predictor
	// catches at least what the rule tuned the same way catches.
	for _, sp := range []*Split{&r.HeldOut, &r.TimeSplit} {
		for _, c := range sp.Curve {
			if c.Target <= 2 {
				checks = append(checks, struct {
					name string
					ok   bool
					got  float64
				}{fmt.Sprintf("predictor >= rule at %.1f (rule %.3f)", c.Target, c.Rule.FDR), c.Predictor.FDR >= c.Rule.FDR, c.Predictor.FDR})
			}
		}
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: got %.3f", c.name, c.got)
		}
	}
	rows, err := csv.NewReader(bytes.NewReader(files["held-out"])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "serial,hour,level" || len(rows) < 100 {
		t.Errorf("alerts CSV: header %v, %d rows", rows[0], len(rows))
	}
	for _, row := range rows[1:] {
		if row[2] != "watch" && row[2] != "critical" {
			t.Fatalf("bad level %q", row[2])
		}
	}
}

func TestLoadRejectsBadData(t *testing.T) {
	tests := []struct{ name, csv, want string }{
		{"missing column", "serial_number,model\nA,B\n", `column "min_date" missing`},
		{"bad number", strings.Join(columns, ",") + "\nS,M,2015-01-01,0,zero,10,0,0,0,0,0,0,0,0,0,0\n", "tstart"},
		{"bad date", strings.Join(columns, ",") + "\nS,M,yesterday,0,0,10,0,0,0,0,0,0,0,0,0,0\n", "min_date"},
		{"empty", strings.Join(columns, ",") + "\n", "no rows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(strings.NewReader(tt.csv))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("want error with %q, got %v", tt.want, err)
			}
		})
	}
}

func TestMetricsOnHandMadeDrives(t *testing.T) {
	failing := &Drive{Serial: "F", Failed: true, Rows: []Row{{TStart: 0, TStop: 1000}, {TStart: 1000, TStop: 2000}}}
	healthy := &Drive{Serial: "H", Rows: []Row{{TStart: 0, TStop: 8760}}}
	alerts := map[string][]Alert{
		"F": {{Hour: 1500, critical: true, watch: true}},                                           // lead 500 h: detected, true
		"H": {{Hour: 100, critical: true, watch: true}, {Hour: 8500, critical: true, watch: true}}, // false; unknown (near the end)
	}
	m := score([]*Drive{failing, healthy}, alerts, isCritical, critLo, critHi, critH, whole)
	if m.FDR != 1 || m.Detected != 1 || m.FalseDrives != 1 || m.Alerts != 2 || m.Precision != 0.5 {
		t.Errorf("metrics %+v", m)
	}
	if want := 100 / ((2000.0 + 8760) / 8760); m.FalsePer100DY < want-1e-9 || m.FalsePer100DY > want+1e-9 {
		t.Errorf("false per 100 drive-years %.3f, want %.3f", m.FalsePer100DY, want)
	}
}

// BenchmarkEvaluate is the whole evaluation on the real data (the target
// is under 60 s and 600 MB on 2 cores: see -benchmem and /usr/bin/time).
func BenchmarkEvaluate(b *testing.B) {
	if _, err := os.Stat(dataPath); err != nil {
		peer.Missing(b, "Backblaze data not found at %s", dataPath)
	}
	for b.Loop() {
		drives, err := Load(dataPath)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Run(drives); err != nil {
			b.Fatal(err)
		}
	}
}
