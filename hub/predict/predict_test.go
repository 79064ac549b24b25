package predict

import (
	"strings"
	"testing"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

// testModel scores with fixed weights: the features that matter for the
// table below are growth in 7 days and the number of rising attributes.
func testModel(t *testing.T) *Model {
	t.Helper()
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func obsAt(h float64, r5, r197, r198 int64) Obs {
	o := Obs{Hour: h}
	for i := range o.Attr {
		o.Attr[i] = 0
	}
	o.Attr[A5], o.Attr[A197], o.Attr[A198] = r5, r197, r198
	return o
}

func TestPredictorTable(t *testing.T) {
	m := testModel(t)
	tests := []struct {
		name     string
		history  []Obs
		want     State
		reason   string
		within48 bool
	}{
		{"healthy", []Obs{obsAt(1000, 0, 0, 0), obsAt(2000, 0, 0, 0), obsAt(3000, 0, 0, 0)}, OK, "", false},
		{"stable non-zero reallocations", []Obs{obsAt(1000, 8, 0, 0), obsAt(5000, 8, 0, 0), obsAt(9000, 8, 0, 0)}, OK, "stable for 30 days", false},
		{"rising reallocations and pending", []Obs{
			obsAt(20000, 0, 0, 0), obsAt(20024, 16, 8, 0), obsAt(20048, 64, 40, 8), obsAt(20072, 200, 96, 40), obsAt(20096, 480, 200, 120),
		}, Failing, "pending sectors 0 → 200 in 4 days", false},
		{"drive says failed", []Obs{func() Obs { o := obsAt(100, 0, 0, 0); o.DriveFailed = true; return o }()}, Failing, "overall-health FAILED", true},
		{"NVMe spare below threshold", []Obs{{Hour: 10, NVMe: true, AvailableSpare: 5, SpareThreshold: 10}}, Failing, "below threshold", false},
		{"NVMe critical warning", []Obs{{Hour: 10, NVMe: true, CriticalWarning: 0x04, AvailableSpare: 100, SpareThreshold: 10}}, Failing, "critical warning 0x04", true},
		{"NVMe worn out", []Obs{{Hour: 10, NVMe: true, PercentUsed: 104, AvailableSpare: 100, SpareThreshold: 10}}, Watch, "endurance used: 104%", false},
		{"NVMe media errors rising", []Obs{{Hour: 10, NVMe: true, AvailableSpare: 100, SpareThreshold: 10}, {Hour: 20, NVMe: true, MediaErrors: 3, AvailableSpare: 100, SpareThreshold: 10}}, Watch, "media errors rose", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range tt.history {
				if !tt.history[i].NVMe {
					continue
				}
				for k := range tt.history[i].Attr {
					tt.history[i].Attr[k] = NA
				}
			}
			tr := NewTracker(m, "HGST HMS5C4040BLE640")
			var v Verdict
			for _, o := range tt.history {
				v = tr.Observe(o)
			}
			if v.State != tt.want {
				t.Errorf("state %s (p30 %.3f, p90 %.3f), want %s; reasons %v", v.State, v.P30, v.P90, tt.want, v.Reasons)
			}
			if tt.reason != "" && !strings.Contains(strings.Join(v.Reasons, "; "), tt.reason) {
				t.Errorf("reasons %v lack %q", v.Reasons, tt.reason)
			}
			if v.Within48h != tt.within48 {
				t.Errorf("within 48h = %v, want %v (only when the drive itself says so)", v.Within48h, tt.within48)
			}
			if v.P30 < 0 || v.P30 > 1 || v.P90 < 0 || v.P90 > 1 {
				t.Errorf("probabilities out of range: %v %v", v.P30, v.P90)
			}
		})
	}
}

// TestEvidenceMatchesTheNumbers: the words name the counts before and
// after and the time between, and the first reason names the horizon with
// the published probability.
func TestEvidenceMatchesTheNumbers(t *testing.T) {
	m := testModel(t)
	tr := NewTracker(m, "ST4000DM000")
	tr.Observe(obsAt(10000, 0, 0, 0))
	tr.Observe(obsAt(10100, 0, 8, 0))
	v := tr.Observe(obsAt(10244, 48, 8, 0))
	all := strings.Join(v.Reasons, "; ")
	for _, want := range []string{"reallocated sectors 0 → 48 in 6 days", "pending sectors 0 → 8 in 10 days"} {
		if !strings.Contains(all, want) {
			t.Errorf("reasons %q lack %q", all, want)
		}
	}
	if v.State == Critical && !strings.HasPrefix(v.Reasons[0], "likely to fail within 30 days (") {
		t.Errorf("critical without its horizon first: %q", v.Reasons[0])
	}
	if v.State == OK {
		t.Fatalf("48 new reallocations with pending sectors left the disk OK (p30 %.3f)", v.P30)
	}
	for st, want := range map[State]string{Critical: "within 30 days (12 % estimated)", Watch: "within 90 days (30 % estimated)", Failing: "failing now", OK: ""} {
		if got := horizon(st, 0.12, 0.30); !strings.Contains(got, want) || (want == "") != (got == "") {
			t.Errorf("horizon(%s) = %q, want %q", st, got, want)
		}
	}
}

// TestRisingBeatsStable: the same count reached by growth within a week
// scores higher than a count that has been stable for a year.
func TestRisingBeatsStable(t *testing.T) {
	m := testModel(t)
	stable := NewTracker(m, "x")
	stable.Observe(obsAt(1000, 40, 0, 0))
	sv := stable.Observe(obsAt(10000, 40, 0, 0))
	rising := NewTracker(m, "x")
	rising.Observe(obsAt(9800, 0, 0, 0))
	rv := rising.Observe(obsAt(9900, 40, 0, 0))
	if rv.P30 <= sv.P30 {
		t.Errorf("rising p30 %.4f <= stable p30 %.4f", rv.P30, sv.P30)
	}
}

func TestFitLogisticSeparates(t *testing.T) {
	var ex []Example
	for i := range 400 {
		var e Example
		e.F[0] = 1
		e.F[1] = float64(i % 20)
		e.Label = i%20 >= 15
		ex = append(ex, e)
	}
	l, err := FitLogistic(ex, 1)
	if err != nil {
		t.Fatal(err)
	}
	var lo, hi [NumFeatures]float64
	lo[1], hi[1] = 2, 18
	if l.Prob(lo) > 0.1 || l.Prob(hi) < 0.9 {
		t.Errorf("fit does not separate: p(lo)=%.3f p(hi)=%.3f", l.Prob(lo), l.Prob(hi))
	}
	if _, err := FitLogistic(nil, 1); err == nil {
		t.Error("no examples must fail")
	}
}

// TestSlotsFollowSmartattr: the slot names are the predictor attributes
// of smartattr, in order.
func TestSlotsFollowSmartattr(t *testing.T) {
	want := map[int]uint8{A5: 5, A10: 10, A12: 12, A187: 187, A188: 188, A189: 189, A196: 196, A197: 197, A198: 198}
	for slot, id := range want {
		if AttrIDs[slot] != id {
			t.Errorf("slot %d is attribute %d, its name says %d", slot, AttrIDs[slot], id)
		}
	}
}
