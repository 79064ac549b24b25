package smart

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/homefleet/homefleet/internal/peer"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

// fakeSmartctl writes a script that prints a fixture and exits with code,
// the way smartctl reports a failing disk (bit 3) while printing its JSON.
func fakeSmartctl(t *testing.T, fixture string, code int) string {
	t.Helper()
	dir := fixtures(t)
	path := filepath.Join(t.TempDir(), "smartctl")
	script := "#!/bin/sh\ncat '" + filepath.Join(dir, fixture) + "'\nexit " + string(rune('0'+code)) + "\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil { //nolint:gosec // test script
		t.Fatal(err)
	}
	return path
}

func TestSmartctlNonZeroExitStillParsed(t *testing.T) {
	d, err := Smartctl{Path: fakeSmartctl(t, "scrutiny/smart-fail2.json", 8)}.Read(context.Background(), "sda")
	if err != nil {
		t.Fatal(err)
	}
	if d.Health.Passed || d.Serial == "" {
		t.Errorf("failing disk read as %+v", d.Health)
	}
}

type fakeReader struct {
	disks map[string]Disk
	errs  map[string]error
	calls []string
}

func (f *fakeReader) Read(_ context.Context, name string) (Disk, error) {
	f.calls = append(f.calls, name)
	return f.disks[name], f.errs[name]
}

func TestCollectorFallsBackPerDisk(t *testing.T) {
	native := &fakeReader{
		disks: map[string]Disk{"nvme0n1": {Protocol: NVMe, Serial: "N1"}},
		errs:  map[string]error{"sda": ErrUnsupported, "sdb": ErrPermission},
	}
	fallback := &fakeReader{disks: map[string]Disk{"sda": {Protocol: ATA, Serial: "S1"}}}
	c := &Collector{list: func() ([]string, error) { return []string{"nvme0n1", "sda", "sdb"}, nil }, native: native, fallback: fallback}
	res, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 || res[0].Disk.Serial != "N1" || res[1].Disk.Serial != "S1" || !errors.Is(res[2].Err, ErrPermission) {
		t.Errorf("results %+v", res)
	}
	if strings.Join(fallback.calls, ",") != "sda" {
		t.Errorf("smartctl must only be used where smart.go is unsupported, called for %v", fallback.calls)
	}
}

// TestRealSmartctl runs the installed smartctl on something that is not a
// disk: a clear error, never a panic.
func TestRealSmartctl(t *testing.T) {
	bin := peer.Binary(t, "smartctl", "smartmontools")
	_, err := Smartctl{Path: bin}.Read(context.Background(), "/dev/null")
	if err == nil || !strings.Contains(err.Error(), "smartctl") {
		t.Errorf("want a clear smartctl error, got %v", err)
	}
}
