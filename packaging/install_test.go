package packaging

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/homefleet/homefleet/internal/peer"
)

// TestDebInstallUpgradeRemovePurge installs the .deb for this machine on
// the real system (CI runs as root), then upgrades it over an edited
// config, removes it and purges it, checking at each step what a Debian
// user expects: the homefleet user, the config's group and modes, the
// agent enabled and the hub not, the conffile kept on upgrade, config and
// state kept on remove and gone on purge.
func TestDebInstallUpgradeRemovePurge(t *testing.T) {
	peer.Root(t, "installing the .deb on this system")
	dpkg := peer.Binary(t, "dpkg", "dpkg")
	analyze := peer.Binary(t, "systemd-analyze", "systemd")
	if exec.Command("dpkg-query", "-W", "homefleet").Run() == nil {
		t.Fatal("a homefleet package is installed here already; this test would replace it")
	}
	t.Cleanup(func() { _ = exec.Command(dpkg, "--purge", "homefleet").Run() })
	arch := map[string]string{"amd64": "amd64", "arm64": "arm64", "arm": "arm7"}[runtime.GOARCH]
	debArch := map[string]string{"amd64": "amd64", "arm64": "arm64", "arm7": "armhf"}[arch]
	v1 := filepath.Join(packages(t, "1.0.0", arch), "homefleet_1.0.0_"+debArch+".deb")
	v2 := filepath.Join(packages(t, "1.0.1", arch), "homefleet_1.0.1_"+debArch+".deb")

	run(t, dpkg, "-i", v1)
	if v := run(t, "/usr/bin/homefleet", "version"); !strings.HasPrefix(v, "homefleet 1.0.0 (commit ") {
		t.Errorf("installed homefleet version says %q", v)
	}
	if _, err := user.Lookup("homefleet"); err != nil {
		t.Fatalf("postinst did not create the homefleet user: %v", err)
	}
	if out := run(t, "getent", "passwd", "homefleet"); !strings.Contains(out, "/var/lib/homefleet") || !strings.Contains(out, "nologin") && !strings.Contains(out, "/bin/false") {
		t.Errorf("homefleet should be a system user without a login shell: %s", out)
	}
	for path, want := range map[string]string{"/etc/homefleet": "750 root homefleet", "/etc/homefleet/agent.yaml": "640 root homefleet",
		"/etc/homefleet/hub.yaml": "640 root homefleet", "/usr/bin/homefleet": "755 root root", "/usr/bin/homefleet-agent": "755 root root",
		"/usr/lib/systemd/system/homefleet-agent.service": "644 root root", "/usr/lib/systemd/system/homefleet-hub.service": "644 root root"} {
		if got := strings.TrimSpace(run(t, "stat", "-c", "%a %U %G", path)); got != want {
			t.Errorf("%s is %q, want %q", path, got, want)
		}
	}
	if out, err := exec.Command(analyze, "verify", "/usr/lib/systemd/system/homefleet-agent.service",
		"/usr/lib/systemd/system/homefleet-hub.service").CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify of the installed units: %v\n%s", err, out)
	}
	wants := "/etc/systemd/system/multi-user.target.wants/"
	if _, err := os.Lstat(wants + "homefleet-agent.service"); err != nil {
		t.Errorf("the agent should be enabled on install (Debian's convention): %v", err)
	}
	if _, err := os.Lstat(wants + "homefleet-hub.service"); err == nil {
		t.Error("the hub should be installed but not enabled: only one machine runs it")
	}

	mine := "\n# edited by the user\n"
	appendFile(t, "/etc/homefleet/agent.yaml", mine)
	must(t, os.MkdirAll("/var/lib/homefleet", 0o700))
	must(t, os.WriteFile("/var/lib/homefleet/hub.db", []byte("history"), 0o600))

	run(t, dpkg, "-i", v2)
	if v := run(t, "/usr/bin/homefleet", "version"); !strings.HasPrefix(v, "homefleet 1.0.1 ") {
		t.Errorf("after the upgrade homefleet version says %q", v)
	}
	if b, _ := os.ReadFile("/etc/homefleet/agent.yaml"); !strings.HasSuffix(string(b), mine) {
		t.Errorf("the upgrade overwrote the edited config:\n%s", b)
	}

	run(t, dpkg, "--remove", "homefleet")
	if _, err := os.Stat("/usr/bin/homefleet"); err == nil {
		t.Error("remove left the binary")
	}
	if b, _ := os.ReadFile("/etc/homefleet/agent.yaml"); !strings.HasSuffix(string(b), mine) {
		t.Error("remove should keep the config")
	}
	if _, err := os.Stat("/var/lib/homefleet/hub.db"); err != nil {
		t.Errorf("remove should keep the state: %v", err)
	}

	run(t, dpkg, "--purge", "homefleet")
	for _, p := range []string{"/etc/homefleet", "/var/lib/homefleet"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("purge left %s", p)
		}
	}
	if _, err := user.Lookup("homefleet"); err == nil {
		t.Error("purge left the homefleet user")
	}
}

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	_, err = f.WriteString(s)
	must(t, err)
	must(t, f.Close())
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
