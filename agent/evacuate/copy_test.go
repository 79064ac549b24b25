package evacuate

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/peer"
)

// fill writes n files of size bytes each under dir.
func fill(t *testing.T, dir string, n, size int) int64 {
	t.Helper()
	var total int64
	for i := range n {
		p := filepath.Join(dir, "sub", "file"+string(rune('a'+i))+".bin")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, bytes.Repeat([]byte{byte(i)}, size), 0o644); err != nil {
			t.Fatal(err)
		}
		total += int64(size)
	}
	return total
}

// TestCopyWithRsync runs the default command with Debian's rsync: the
// files arrive, the progress lines are parsed up to 100 %, and a failing
// copy says why in rsync's own words.
func TestCopyWithRsync(t *testing.T) {
	rsync := peer.Binary(t, "rsync", "rsync")
	src, dest := t.TempDir(), t.TempDir()
	total := fill(t, src, 4, 256<<10)
	cmd := append([]string{rsync}, config.EvacuateCommand[1:]...)
	args, err := Expand(cmd, Vars{Mounts: []string{src}, Host: "nas", Disk: "wd-1", Dest: dest})
	if err != nil {
		t.Fatal(err)
	}
	var seen []Progress
	if err := Copy(context.Background(), args, func(p Progress) { seen = append(seen, p) }); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dest, "nas", "wd-1", "sub", "filec.bin"))
	if err != nil || len(got) != 256<<10 || got[0] != 2 {
		t.Fatalf("copied file: %d bytes, %v", len(got), err)
	}
	if len(seen) == 0 {
		t.Fatal("no progress line parsed")
	}
	if last := seen[len(seen)-1]; last.Percent != 100 || int64(last.Bytes) != total { //nolint:gosec // small
		t.Errorf("last progress %+v, want 100 %% of %d bytes", last, total)
	}
	err = Copy(context.Background(), []string{rsync, "-a", filepath.Join(src, "nope") + "/", dest}, func(Progress) {})
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("a missing source: %v", err)
	}
}
