// Package packaging holds what installs homefleet as a service (systemd
// units, polkit and udev rules, package scripts, nfpm.yaml, package.sh);
// its tests check the units with systemd-analyze and build and install
// the packages.
package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/homefleet/homefleet/internal/peer"
)

// units are the shipped units and what each must grant, and no more.
var units = []struct {
	name string
	caps string // AmbientCapabilities
}{
	{"homefleet-agent.service", "CAP_SYS_RAWIO"},
	{"homefleet-hub.service", "CAP_NET_RAW"},
}

// maxExposure is the highest "systemd-analyze security" score a unit may
// have ("OK" or better).
const maxExposure = 3.0

var exposure = regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`)

// TestUnitsVerifyAndAreConfined: each unit passes systemd-analyze verify,
// is rated 3.0 or lower by systemd-analyze security, and is the kind of
// service the README promises (notify, watchdog, restart, its own user
// and directories, only its capability).
func TestUnitsVerifyAndAreConfined(t *testing.T) {
	analyze := peer.Binary(t, "systemd-analyze", "systemd")
	bin := filepath.Join(t.TempDir(), "homefleet") // the agent's unit runs homefleet-agent beside it
	for out, tags := range map[string]string{bin: "noplot", bin + "-agent": "noplot,agentonly"} {
		build := exec.Command("go", "build", "-tags", tags, "-o", out, "../cmd/homefleet")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := build.CombinedOutput(); err != nil {
			t.Fatalf("building %s: %v\n%s", out, err, msg)
		}
	}
	for _, u := range units {
		t.Run(u.name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("systemd", u.name))
			if err != nil {
				t.Fatal(err)
			}
			unit := string(b)
			for _, want := range []string{"Type=notify", "WatchdogSec=", "Restart=on-failure", "User=homefleet",
				"StateDirectory=homefleet", "ConfigurationDirectory=homefleet", "NoNewPrivileges=yes", "ProtectSystem=strict",
				"ProtectHome=yes", "PrivateTmp=yes", "RestrictAddressFamilies=", "SystemCallFilter=@system-service",
				"AmbientCapabilities=" + u.caps + "\n", "CapabilityBoundingSet=" + u.caps + "\n"} {
				if !strings.Contains(unit, want) {
					t.Errorf("%s lacks %q", u.name, strings.TrimSpace(want))
				}
			}
			// verify checks ExecStart's binary exists: point it at the one built here.
			dir := t.TempDir()
			path := filepath.Join(dir, u.name)
			if err := os.WriteFile(path, []byte(strings.ReplaceAll(unit, "/usr/bin/homefleet", bin)), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(analyze, "verify", path).CombinedOutput(); err != nil || len(out) > 0 {
				t.Errorf("systemd-analyze verify %s: %v\n%s", u.name, err, out)
			}
			out, err := exec.Command(analyze, "security", "--offline=true", "--no-pager", path).CombinedOutput()
			m := exposure.FindSubmatch(out)
			if m == nil {
				t.Fatalf("systemd-analyze security %s: %v\n%s", u.name, err, out)
			}
			score, _ := strconv.ParseFloat(string(m[1]), 64)
			t.Logf("%s: exposure %.1f", u.name, score)
			if score > maxExposure {
				t.Errorf("%s has exposure %.1f, more than %.1f:\n%s", u.name, score, maxExposure, out)
			}
		})
	}
}
