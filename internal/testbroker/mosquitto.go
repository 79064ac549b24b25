package testbroker

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/homefleet/homefleet/internal/peer"
)

// Mosquitto is a real mosquitto process on a loopback port.
type Mosquitto struct {
	t    testing.TB
	bin  string
	conf string
	Addr string
	cmd  *exec.Cmd
	proc *peer.Proc
}

// StartMosquitto starts mosquitto on a free loopback port (anonymous, no
// persistence) or skips (fails in CI) through the peer helper when it is not installed.
func StartMosquitto(t testing.TB, extraConf string) *Mosquitto {
	t.Helper()
	return StartMosquittoWith(t, MosquittoConfig{Anonymous: true, Extra: extraConf})
}

// MosquittoConfig shapes the test broker.
type MosquittoConfig struct {
	Anonymous bool   // allow_anonymous
	Listener  string // lines for the listener (certfile, keyfile, require_certificate)
	Extra     string // other lines (password_file, acl_file)
}

// StartMosquittoWith starts mosquitto on a free loopback port as c says.
func StartMosquittoWith(t testing.TB, c MosquittoConfig) *Mosquitto {
	t.Helper()
	bin := peer.Binary(t, "mosquitto", "mosquitto")
	addr := FreePort(t)
	_, port, _ := net.SplitHostPort(addr)
	conf := filepath.Join(t.TempDir(), "mosquitto.conf")
	// user root: as root, mosquitto would switch to the mosquitto user and
	// could not read the test's private temp files; as non-root it is ignored.
	body := fmt.Sprintf("user root\nlistener %s 127.0.0.1\n%s\nallow_anonymous %t\npersistence false\n%s\n", port, c.Listener, c.Anonymous, c.Extra)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	m := &Mosquitto{t: t, bin: bin, conf: conf, Addr: addr}
	m.Start()
	t.Cleanup(m.Stop)
	return m
}

// URL is the mqtt:// URL of the broker.
func (m *Mosquitto) URL() string { return "mqtt://" + m.Addr }

// Start (re)starts the process and waits until the port accepts.
func (m *Mosquitto) Start() {
	m.t.Helper()
	m.cmd = exec.CommandContext(context.Background(), m.bin, "-c", m.conf)
	if testing.Verbose() {
		m.cmd.Stderr = os.Stderr
	}
	p, err := peer.Start(m.cmd)
	if err != nil {
		m.t.Fatalf("starting mosquitto: %v", err)
	}
	m.proc = p
	if err := p.Listening(m.Addr, 10*time.Second); err != nil {
		m.t.Fatalf("%v (conf %s)", err, m.conf)
	}
}

// Kill stops the process hard (SIGKILL), like a crash.
func (m *Mosquitto) Kill() {
	m.proc.Kill()
	m.proc = nil
}

// Stop ends the process if it runs.
func (m *Mosquitto) Stop() { m.Kill() }
