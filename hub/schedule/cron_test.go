package schedule

import (
	"errors"
	"testing"
	"time"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

var berlin, _ = time.LoadLocation("Europe/Berlin")

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ expr, tz string }{{"61 * * * *", ""}, {"every day", ""}, {"0 3 * * *", "Mars/Olympus"}} {
		if _, err := Parse(c.expr, c.tz, 0); !errors.Is(err, ErrSpec) {
			t.Errorf("%q %q: want ErrSpec, got %v", c.expr, c.tz, err)
		}
	}
}

// run walks a fake clock minute by minute, firing like the hub would and
// recording lastFired the way the store does.
func run(s Spec, from, to time.Time, lastFired time.Time) []time.Time {
	var fired []time.Time
	for now := from; !now.After(to); now = now.Add(time.Minute) {
		if t, ok := s.Due(lastFired, now); ok {
			fired = append(fired, now)
			lastFired = t
		}
	}
	return fired
}

func TestDailyInTimeZone(t *testing.T) {
	s, err := Parse("30 2 * * *", "Europe/Berlin", 0)
	if err != nil {
		t.Fatal(err)
	}
	fired := run(s, at("2026-06-01 00:00"), at("2026-06-04 00:00"), time.Time{})
	if len(fired) != 3 || !fired[0].Equal(at("2026-06-01 02:30")) {
		t.Errorf("fired %v", fired)
	}
}

func TestDST(t *testing.T) {
	s, _ := Parse("30 2 * * *", "Europe/Berlin", 0)
	// 2026-03-29: 02:00 jumps to 03:00, so 02:30 does not exist.
	spring := run(s, at("2026-03-28 12:00"), at("2026-03-30 12:00"), time.Time{})
	// 2026-10-25: 03:00 falls back to 02:00, so 02:30 happens twice.
	autumn := run(s, at("2026-10-24 12:00"), at("2026-10-26 12:00"), time.Time{})
	t.Logf("spring %v, autumn %v", spring, autumn)
	if len(spring) != 2 || !spring[0].Equal(at("2026-03-29 03:00")) || len(autumn) != 2 {
		t.Errorf("DST: spring fired %d times in 2 days, autumn %d (want one run per day, never two)", len(spring), len(autumn))
	}
	for i := 1; i < len(autumn); i++ {
		if autumn[i].Sub(autumn[i-1]) < 20*time.Hour {
			t.Errorf("fired twice within a day: %v", autumn)
		}
	}
}

func TestMisfireAfterRestart(t *testing.T) {
	s, _ := Parse("0 3 * * *", "Europe/Berlin", 2*time.Hour)
	last := at("2026-06-01 03:00")
	tests := []struct {
		name string
		now  time.Time
		want bool
	}{
		{"hub back at 04:30, inside the window", at("2026-06-02 04:30"), true},
		{"hub back at 05:30, window over", at("2026-06-02 05:30"), false},
		{"same day, already ran", at("2026-06-01 04:00"), false},
	}
	for _, tt := range tests {
		if _, due := s.Due(last, tt.now); due != tt.want {
			t.Errorf("%s: due=%v, want %v", tt.name, due, tt.want)
		}
	}
}

func TestNoDoubleRun(t *testing.T) {
	s, _ := Parse("*/15 * * * *", "", time.Hour)
	// The hub was down 3 hours: 12 runs missed; only the latest fires, once.
	last := at("2026-06-01 09:00")
	at1, due := s.Due(last, at("2026-06-01 12:07"))
	if !due || !at1.Equal(at("2026-06-01 12:00").In(time.Local)) {
		t.Fatalf("want the 12:00 run, got %v %v", at1, due)
	}
	if _, due := s.Due(at1, at("2026-06-01 12:08")); due {
		t.Error("fired twice")
	}
}

func TestWindow(t *testing.T) {
	s, _ := Parse("0 23 * * *", "Europe/Berlin", 0)
	w := Window{Spec: s, Length: 7 * time.Hour}
	for _, c := range []struct {
		now    time.Time
		active bool
	}{{at("2026-06-01 22:59"), false}, {at("2026-06-01 23:00"), true}, {at("2026-06-02 05:59"), true}, {at("2026-06-02 06:00"), false}} {
		if _, got := w.Active(c.now); got != c.active {
			t.Errorf("%v: active=%v, want %v", c.now, got, c.active)
		}
	}
}
