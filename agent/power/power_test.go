package power

import (
	"errors"
	"testing"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

func TestParseVerb(t *testing.T) {
	for _, v := range []string{"sleep", "hibernate", "shutdown", "reboot"} {
		if _, err := ParseVerb(v); err != nil {
			t.Errorf("%s: %v", v, err)
		}
	}
	for _, v := range []string{"", "suspend", "rm -rf", "Sleep"} {
		if _, err := ParseVerb(v); !errors.Is(err, ErrUnknownVerb) {
			t.Errorf("%q: want ErrUnknownVerb, got %v", v, err)
		}
	}
}

func TestBlocking(t *testing.T) {
	rows := [][]any{
		{"handle-lid-switch", "systemd", "lid", "block", uint32(0), uint32(1)},
		{"sleep", "Backup", "backup running", "delay", uint32(0), uint32(2)},
		{"sleep:shutdown", "rsync", "copying 2 TB", "block", uint32(0), uint32(3)},
	}
	if got := blocking(rows, Sleep); got != "rsync (copying 2 TB)" {
		t.Errorf("sleep blocked by %q", got)
	}
	if got := blocking(rows[:2], Sleep); got != "" {
		t.Errorf("a delay inhibitor must not block: %q", got)
	}
	if got := blocking(rows, Reboot); got != "rsync (copying 2 TB)" {
		t.Errorf("reboot blocked by %q", got)
	}
}
