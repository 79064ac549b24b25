package wire

import (
	"errors"
	"strconv"
	"testing"
	"time"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestParseCommand(t *testing.T) {
	ts := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	tests := []struct {
		name, payload string
		wantID        string
		wantErr       error
	}{
		{"empty", "", "", nil},
		{"HA button", "PRESS", "", nil},
		{"id only", `{"id":"x1"}`, "x1", nil},
		{"fresh", `{"id":"x2","ts":` + ts(-time.Minute) + `}`, "x2", nil},
		{"stale", `{"id":"x3","ts":` + ts(-10*time.Minute) + `}`, "", ErrStale},
		{"from the future", `{"ts":` + ts(time.Hour) + `}`, "", ErrStale},
		{"not json", "shutdown now", "", ErrMalformed},
		{"unknown key", `{"id":"a","cmd":"x"}`, "", ErrMalformed},
		{"wrong type", `{"ts":"yesterday"}`, "", ErrMalformed},
		{"array", `[1,2]`, "", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseCommand([]byte(tt.payload), now)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if c.ID != tt.wantID {
				t.Errorf("id = %q, want %q", c.ID, tt.wantID)
			}
		})
	}
}

func TestDecodeState(t *testing.T) {
	if _, err := DecodeState([]byte(`{"v":1,"cpu":3}`)); err != nil {
		t.Error(err)
	}
	if _, err := DecodeState([]byte(`{"v":2}`)); !errors.Is(err, ErrVersion) {
		t.Errorf("want ErrVersion, got %v", err)
	}
	if _, err := DecodeState([]byte(`<html>`)); err == nil {
		t.Error("want an error for non-JSON")
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"", "PRESS", `{"id":"a","ts":1}`, `{"ts":-1}`, "\xff", `{"ts":9223372036854775807}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCommand(b, now)
		if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrStale) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		if err == nil && c.TS != 0 {
			if d := now.Sub(time.Unix(c.TS, 0)); d > MaxCommandAge || d < -MaxCommandAge {
				t.Fatalf("accepted stale ts %d", c.TS)
			}
		}
	})
}

func FuzzDecodeState(f *testing.F) {
	for _, s := range []string{`{"v":1}`, `{"v":1,"fs":{"root":{"pct":1}}}`, `null`, `{"v":"1"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeState(b)
		if err == nil && s.V != StateVersion {
			t.Fatalf("accepted version %d", s.V)
		}
	})
}
