// Package peer is the one place a test decides it cannot run here: a real
// peer (Mosquitto, BIND, Samba, tshark, smartctl, etcd, rsync, Jinja2) or
// a privilege (root for raw sockets, port 53, network namespaces) is
// missing. On a laptop the test skips; under HOMEFLEET_REQUIRE_PEERS=1,
// which CI sets, it fails instead, so CI never passes by skipping.
// Import from tests only.
package peer

import (
	"os"
	"os/exec"
	"testing"

	_ "github.com/homefleet/homefleet/internal/golden" // every test that uses this helper gets -update
)

// RequireEnv is the variable CI sets to demand every peer.
const RequireEnv = "HOMEFLEET_REQUIRE_PEERS"

// Required reports whether CI demands real peers.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// Missing skips the test, or fails it when peers are required. Every
// peer or privilege skip in the tree goes through here.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if Required() {
		t.Fatalf(RequireEnv+"=1 but "+format, args...)
	}
	t.Skipf(format, args...)
}

// Binary finds a peer program in PATH or in the sbin directories a
// non-root PATH lacks; pkg names the Debian package that provides it.
func Binary(t testing.TB, name, pkg string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/usr/local/sbin", "/sbin"} {
		p := dir + "/" + name
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	Missing(t, "%s is not installed (apt-get install %s)", name, pkg)
	return ""
}

// Root needs the test to run as root (raw sockets, port 53, network
// namespaces); why says what for.
func Root(t testing.TB, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		Missing(t, "%s needs root (CI runs as root)", why)
	}
}
