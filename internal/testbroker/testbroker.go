// Package testbroker gives tests a real MQTT broker: the embedded one
// in-process, or a Mosquitto process when installed. Import from tests only.
package testbroker

import (
	"net"
	"path/filepath"
	"testing"

	"github.com/homefleet/homefleet/internal/access"
	"github.com/homefleet/homefleet/internal/broker"
)

// Embedded starts the embedded broker on a free loopback port and stops it
// when the test ends.
func Embedded(t testing.TB) *broker.Broker {
	t.Helper()
	return EmbeddedOn(t, "127.0.0.1:0")
}

// EmbeddedOn starts the embedded broker on addr (e.g. to restart it on the
// same port).
func EmbeddedOn(t testing.TB, addr string) *broker.Broker {
	t.Helper()
	b, err := broker.Start(broker.Options{Listen: addr})
	if err != nil {
		t.Fatalf("starting embedded broker: %v", err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// FreePort returns a loopback host:port that was free a moment ago.
func FreePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// EmbeddedWithLogins starts the embedded broker on a free loopback port
// requiring the given logins (written to a credentials file in the test's
// temp dir, whose path it returns).
func EmbeddedWithLogins(t testing.TB, logins ...access.Login) (*broker.Broker, string) {
	t.Helper()
	path := WriteLogins(t, logins...)
	b, err := broker.Start(broker.Options{Listen: "127.0.0.1:0", Credentials: path})
	if err != nil {
		t.Fatalf("starting embedded broker: %v", err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b, path
}

// WriteLogins writes a credentials file holding logins.
func WriteLogins(t testing.TB, logins ...access.Login) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "credentials.yaml")
	var want []access.Want
	for _, l := range logins {
		want = append(want, access.Want{Name: l.Name, Role: l.Role})
	}
	if _, _, err := access.Ensure(path, want); err != nil {
		t.Fatal(err)
	}
	if err := access.SetPasswords(path, logins); err != nil {
		t.Fatal(err)
	}
	return path
}
