// Package testsmb starts a real Samba smbd for tests, on a loopback port
// with a guest share and every file in a temporary directory.
package testsmb

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/homefleet/homefleet/internal/peer"
	"github.com/homefleet/homefleet/internal/testbroker"
)

// startWait bounds how long smbd may take to listen (it is slow on a
// loaded machine: it sets up its databases first).
const startWait = 30 * time.Second

// Samba is a configured smbd.
type Samba struct {
	Addr string // 127.0.0.1:port
	Port string
	Conf string // smb.conf, for smbclient and smbstatus -s
	dir  string
	cmd  *exec.Cmd
	proc *peer.Proc
	out  *testbroker.LogBuffer // smbd's own output
	t    testing.TB
	bin  string
}

// Binary finds a Samba program (through the peer helper).
func Binary(t testing.TB, name string) string {
	t.Helper()
	return peer.Binary(t, name, "samba smbclient")
}

// Start writes the configuration and starts smbd; it stops with the test.
// A port taken between choosing it and smbd binding it is retried on
// another port.
func Start(t testing.TB) *Samba {
	t.Helper()
	s := &Samba{t: t, bin: Binary(t, "smbd"), dir: t.TempDir()}
	for _, d := range []string{"priv", "lock", "state", "cache", "pid", "share", "log"} {
		if err := os.MkdirAll(filepath.Join(s.dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(s.Stop)
	var err error
	for range 3 {
		s.configure()
		if err = s.start(); err == nil {
			return s
		}
		if !errors.Is(err, peer.ErrExited) {
			break
		}
	}
	t.Fatalf("%v\n%s", err, s.logs())
	return nil
}

func (s *Samba) configure() {
	_, s.Port, _ = strings.Cut(testbroker.FreePort(s.t), ":")
	s.Addr = "127.0.0.1:" + s.Port
	s.Conf = filepath.Join(s.dir, "smb.conf")
	body := fmt.Sprintf(`[global]
  smb ports = %[2]s
  interfaces = 127.0.0.1
  bind interfaces only = yes
  private dir = %[1]s/priv
  lock directory = %[1]s/lock
  state directory = %[1]s/state
  cache directory = %[1]s/cache
  pid directory = %[1]s/pid
  ncalrpc dir = %[1]s/state/ncalrpc
  log file = %[1]s/log/log.%%m
  map to guest = Bad User
  server role = standalone server
  disable netbios = yes
  load printers = no
  printing = bsd
  printcap name = /dev/null
[share]
  path = %[1]s/share
  guest ok = yes
  read only = no
`, s.dir, s.Port)
	if err := os.WriteFile(s.Conf, []byte(body), 0o644); err != nil { //nolint:gosec // test config
		s.t.Fatal(err)
	}
}

// Restart starts smbd again on the same port and waits until it accepts.
func (s *Samba) Restart() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatalf("%v\n%s", err, s.logs())
	}
}

// start runs smbd and waits until its port accepts; an early exit is
// errExited, with smbd's output kept for the failure message.
func (s *Samba) start() error {
	s.out = &testbroker.LogBuffer{}
	s.cmd = exec.Command(s.bin, "-F", "--no-process-group", "-s", s.Conf, "-d", "1", "--debug-stdout")
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	p, err := peer.Start(s.cmd)
	if err != nil {
		return fmt.Errorf("starting smbd: %w", err)
	}
	s.proc = p
	if err := p.Listening(s.Addr, startWait); err != nil {
		s.Stop()
		return err
	}
	return nil
}

// logs is smbd's output and log files, for a failure message.
func (s *Samba) logs() string {
	var b strings.Builder
	if s.out != nil {
		b.WriteString(s.out.String())
	}
	files, _ := filepath.Glob(filepath.Join(s.dir, "log", "*"))
	for _, f := range files {
		if body, err := os.ReadFile(f); err == nil { //nolint:gosec // the test's own dir
			fmt.Fprintf(&b, "--- %s\n%s", filepath.Base(f), body)
		}
	}
	return b.String()
}

// Stop kills smbd and waits for it.
func (s *Samba) Stop() {
	s.proc.Kill()
	s.proc = nil
}
