// Package testsmb starts a real Samba smbd for tests, on a loopback port
// with a guest share and every file in a temporary directory.
package testsmb

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/homefleet/homefleet/internal/testbroker"
)

// Samba is a configured smbd.
type Samba struct {
	Addr string // 127.0.0.1:port
	Port string
	Conf string // smb.conf, for smbclient and smbstatus -s
	cmd  *exec.Cmd
	done chan struct{}
	t    testing.TB
	bin  string
}

// Binary finds a Samba program, skipping (or failing with
// HOMEFLEET_REQUIRE_PEERS=1) when it is not installed.
func Binary(t testing.TB, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, d := range []string{"/usr/sbin/", "/usr/bin/"} {
		if _, err := os.Stat(d + name); err == nil {
			return d + name
		}
	}
	testbroker.SkipOrFail(t, "%s is not installed (apt-get install samba smbclient)", name)
	return ""
}

// Start writes the configuration and starts smbd; it stops with the test.
func Start(t testing.TB) *Samba {
	t.Helper()
	s := &Samba{t: t, bin: Binary(t, "smbd")}
	dir := t.TempDir()
	for _, d := range []string{"priv", "lock", "state", "cache", "pid", "share", "log"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	_, s.Port, _ = strings.Cut(testbroker.FreePort(t), ":")
	s.Addr = "127.0.0.1:" + s.Port
	s.Conf = filepath.Join(dir, "smb.conf")
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
`, dir, s.Port)
	if err := os.WriteFile(s.Conf, []byte(body), 0o644); err != nil { //nolint:gosec // test config
		t.Fatal(err)
	}
	s.Restart()
	t.Cleanup(s.Stop)
	return s
}

// Restart starts smbd (again) and waits until its port accepts.
func (s *Samba) Restart() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin, "-F", "--no-process-group", "-s", s.Conf, "-d", "0")
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("starting smbd: %v", err)
	}
	s.done = make(chan struct{})
	go func(c *exec.Cmd, done chan struct{}) { _ = c.Wait(); close(done) }(s.cmd, s.done)
	for range 100 {
		if c, err := net.DialTimeout("tcp", s.Addr, 200*time.Millisecond); err == nil {
			_ = c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("smbd did not listen on %s", s.Addr)
}

// Stop kills smbd and waits for it.
func (s *Samba) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}
