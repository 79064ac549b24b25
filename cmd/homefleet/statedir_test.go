package main

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/homefleet/homefleet/hub"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/peer"
	"github.com/homefleet/homefleet/internal/testbroker"
)

// TestStoreInTheStateDirectory: without store:, the hub keeps its
// database in $STATE_DIRECTORY (what systemd's StateDirectory= sets),
// created readable by the owner only, never in the working directory.
func TestStoreInTheStateDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "homefleet")
	t.Setenv("STATE_DIRECTORY", dir)
	b := testbroker.Embedded(t)
	cfg := config.Hub{MQTT: config.MQTT{URL: b.URL()}}
	cfg.SetDefaults()
	if cfg.Store != filepath.Join(dir, "hub.db") {
		t.Fatalf("store %s, want it in %s", cfg.Store, dir)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h, err := hub.Start(ctx, cfg, "1.0.0", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	must(t, h.Wait())
	st, err := os.Stat(dir)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("state directory %v %v, want 0700", st, err)
	}
	if _, err := os.Stat(cfg.Store); err != nil {
		t.Errorf("no database in the state directory: %v", err)
	}
}

// TestTimeZonesWithoutSystemTzdata runs the real binary where the system
// has no time zone database (an empty tmpfs over every place Go looks,
// and ZONEINFO at an empty directory): a Europe/Berlin schedule still
// loads, from the zones built into the binary.
func TestTimeZonesWithoutSystemTzdata(t *testing.T) {
	peer.Root(t, "a mount namespace hiding the system's tzdata")
	unshare := peer.Binary(t, "unshare", "util-linux")
	dir := t.TempDir()
	bin := buildHomefleet(t)
	cfg := filepath.Join(dir, "hub.yaml")
	must(t, os.WriteFile(cfg, []byte(`store: ":memory:"
schedules: [{name: night, device: nas, kind: sleep, cron: "0 23 * * *", timezone: Europe/Berlin}]
`), 0o600))
	empty := filepath.Join(dir, "zoneinfo")
	must(t, os.Mkdir(empty, 0o755))
	var hide []string
	for _, d := range []string{"/usr/share/zoneinfo", "/usr/share/lib/zoneinfo", "/usr/lib/locale/TZ", "/etc/zoneinfo", "/usr/local/go/lib/time"} {
		if _, err := os.Stat(d); err == nil {
			hide = append(hide, "mount -t tmpfs none "+d)
		}
	}
	script := strings.Join(append(hide, "ls /usr/share/zoneinfo | wc -l", bin+" check-config --role hub --config "+cfg), " && ")
	cmd := exec.Command(unshare, "-m", "sh", "-c", script)
	cmd.Env = append(os.Environ(), "ZONEINFO="+empty)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "hub config is valid") || !strings.HasPrefix(string(out), "0\n") {
		t.Fatalf("without system tzdata: %v\n%s", err, out)
	}
}

// buildHomefleet builds the binary, for tests that run it in a namespace
// (flags: extra go build flags, such as the packaged build's).
func buildHomefleet(t testing.TB, flags ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "homefleet")
	build := exec.Command("go", append(append([]string{"build", "-o", bin}, flags...), ".")...)
	build.Env = append(os.Environ(), "CGO_ENABLED=0") // static, as packaged
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building: %v\n%s", err, out)
	}
	return bin
}
