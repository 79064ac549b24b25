package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/homefleet/homefleet/internal/peer"
)

// targets are the six packages package.sh makes: nfpm's arch, and the
// name each format gives it.
var targets = []struct{ arch, deb, rpm string }{
	{"amd64", "amd64", "x86_64"},
	{"arm64", "arm64", "aarch64"},
	{"arm7", "armhf", "armv7hl"},
}

// installed is what the .deb puts where, with mode and owner.
var installed = []struct{ path, mode, owner string }{
	{"./usr/bin/homefleet", "-rwxr-xr-x", "root/root"},
	{"./usr/bin/homefleet-agent", "-rwxr-xr-x", "root/root"},
	{"./usr/lib/systemd/system/homefleet-agent.service", "-rw-r--r--", "root/root"},
	{"./usr/lib/systemd/system/homefleet-hub.service", "-rw-r--r--", "root/root"},
	{"./usr/share/polkit-1/rules.d/50-homefleet.rules", "-rw-r--r--", "root/root"},
	{"./usr/lib/udev/rules.d/60-homefleet-nvme.rules", "-rw-r--r--", "root/root"},
	{"./usr/share/doc/homefleet/nvme-smart.conf", "-rw-r--r--", "root/root"},
	{"./etc/homefleet/", "drwxr-x---", "root/root"},
	{"./etc/homefleet/agent.yaml", "-rw-r-----", "root/root"},
	{"./etc/homefleet/hub.yaml", "-rw-r-----", "root/root"},
}

var conffiles = []string{"/etc/homefleet/agent.yaml", "/etc/homefleet/hub.yaml"}

func packages(t *testing.T, version string, only ...string) string {
	t.Helper()
	dist := t.TempDir()
	cmd := exec.Command("bash", append([]string{"package.sh"}, only...)...)
	cmd.Env = append(os.Environ(), "DIST="+dist, "VERSION="+version)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("package.sh %v: %v\n%s", only, err, out)
	} else {
		t.Logf("package.sh %v:\n%s", only, out)
	}
	return dist
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// TestSixPackages: package.sh makes deb and rpm for amd64, arm64 and
// armv7; each .deb names its architecture, version and conffiles, holds
// every file with its mode and owner, and its binary prints the version.
func TestSixPackages(t *testing.T) {
	dpkgDeb := peer.Binary(t, "dpkg-deb", "dpkg")
	dist := packages(t, "1.2.3")
	for _, tg := range targets {
		deb := filepath.Join(dist, "homefleet_1.2.3_"+tg.deb+".deb")
		rpm := filepath.Join(dist, "homefleet-1.2.3-1."+tg.rpm+".rpm")
		for _, p := range []string{deb, rpm} {
			if st, err := os.Stat(p); err != nil || st.Size() < 1<<20 {
				t.Errorf("package %s: %v", p, err)
			}
		}
		if got := strings.TrimSpace(run(t, dpkgDeb, "-f", deb, "Architecture")); got != tg.deb {
			t.Errorf("%s: Architecture %q", deb, got)
		}
		contents := run(t, dpkgDeb, "-c", deb)
		for _, f := range installed {
			if !containsEntry(contents, f.path, f.mode, f.owner) {
				t.Errorf("%s: no %s %s %s in\n%s", deb, f.mode, f.owner, f.path, contents)
			}
		}
		ctl := t.TempDir()
		run(t, dpkgDeb, "-e", deb, ctl)
		b, _ := os.ReadFile(filepath.Join(ctl, "conffiles"))
		if got := strings.Fields(string(b)); !slices.Equal(got, conffiles) {
			t.Errorf("%s: conffiles %q, want %q", deb, got, conffiles)
		}
		for _, s := range []string{"postinst", "prerm", "postrm"} {
			if st, err := os.Stat(filepath.Join(ctl, s)); err != nil || st.Mode()&0o111 == 0 {
				t.Errorf("%s: maintainer script %s missing or not executable", deb, s)
			}
		}
		if tg.arch != runtime.GOARCH {
			continue
		}
		root := t.TempDir()
		run(t, dpkgDeb, "-x", deb, root)
		if v := run(t, filepath.Join(root, "usr/bin/homefleet"), "version"); !strings.HasPrefix(v, "homefleet 1.2.3 (commit ") || strings.Contains(v, "commit unknown") {
			t.Errorf("the packaged binary says %q", v)
		}
		agentBin := filepath.Join(root, "usr/bin/homefleet-agent")
		if v := run(t, agentBin, "version"); !strings.HasPrefix(v, "homefleet 1.2.3 (commit ") || !strings.Contains(v, "the agent's build") {
			t.Errorf("the packaged agent's binary says %q", v)
		}
		if out, err := exec.Command(agentBin, "hub").CombinedOutput(); err == nil || !strings.Contains(string(out), "run it with the full binary: homefleet hub") {
			t.Errorf("the agent's binary ran 'hub' (%v): %s", err, out)
		}
	}
}

// containsEntry finds a `dpkg-deb -c` line for path with mode and owner.
func containsEntry(contents, path, mode, owner string) bool {
	for line := range strings.Lines(contents) {
		f := strings.Fields(line)
		if len(f) >= 6 && f[len(f)-1] == path && f[0] == mode && f[1] == owner {
			return true
		}
	}
	return false
}
