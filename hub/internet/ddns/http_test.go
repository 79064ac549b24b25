package ddns

import (
	"net/http"
	"strings"
	"testing"
	"time"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

func TestDoKeepsTheURLOutOfErrors(t *testing.T) {
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:1/update?token=s3cret", nil)
	_, _, err := Do(Client(time.Second), req)
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("error %v must name the host, not the URL", err)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"120": 2 * time.Minute, "": time.Minute, "soon": time.Minute,
		"Wed, 25 Nov 2026 10:05:00 GMT": 5 * time.Minute,
	} {
		h := http.Header{}
		h.Set("Retry-After", v)
		if got := RetryAfter(h, now); got != want {
			t.Errorf("Retry-After %q: %v, want %v", v, got, want)
		}
	}
}
