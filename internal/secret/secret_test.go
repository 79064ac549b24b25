package secret

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

func TestRedactorMasksEverywhereInARecord(t *testing.T) {
	r := New("tok-3f9a", "c2VjcmV0LVRTSUc=", "ab") // "ab" is too short to mask
	var buf bytes.Buffer
	log := slog.New(r.Handler(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))).With("url", "https://x/?t=tok-3f9a")
	err := fmt.Errorf("reply %q: %w", "Bearer tok-3f9a", errors.New("denied"))
	log.Debug("pushing with tok-3f9a", "err", err, slog.Group("req", "auth", "tok-3f9a"), "key", "secret-TSIG", "plain", "ab cd")
	out := buf.String()
	for _, leak := range []string{"tok-3f9a", "secret-TSIG"} {
		if strings.Contains(out, leak) {
			t.Errorf("log shows %q:\n%s", leak, out)
		}
	}
	if strings.Count(out, Mask) < 5 || !strings.Contains(out, "ab cd") {
		t.Errorf("masks missing or too eager:\n%s", out)
	}
	if got := string(r.Bytes([]byte(`{"error":"HTTP 500: tok-3f9a"}`))); got != `{"error":"HTTP 500: [redacted]"}` {
		t.Errorf("Bytes: %s", got)
	}
	var nilR *Redactor
	if nilR.String("tok-3f9a") != "tok-3f9a" {
		t.Error("a nil Redactor must pass text through")
	}
}
