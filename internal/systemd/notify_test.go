package systemd

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

// manager is the service manager's end of NOTIFY_SOCKET.
func manager(t *testing.T) (*net.UnixConn, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, path
}

func read(t *testing.T, c *net.UnixConn) string {
	t.Helper()
	buf := make([]byte, 4096)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second)) // a bound on a failing test, not a timing
	k, err := c.Read(buf)
	if err != nil {
		t.Fatalf("no notification: %v", err)
	}
	return string(buf[:k])
}

func TestNotifiesAsSystemdExpects(t *testing.T) {
	c, path := manager(t)
	t.Setenv("NOTIFY_SOCKET", path)
	t.Setenv("WATCHDOG_USEC", "20000000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	n := FromEnv()
	if os.Getenv("NOTIFY_SOCKET") != "" || os.Getenv("WATCHDOG_USEC") != "" {
		t.Error("the service's children must not inherit NOTIFY_SOCKET and WATCHDOG_USEC")
	}
	if got := n.WatchdogInterval(); got != 10*time.Second {
		t.Errorf("watchdog interval %v, want half of WatchdogSec=20s", got)
	}
	n.Ready()
	n.Ready() // once only
	n.Alive()
	n.Stopping()
	for _, want := range []string{"READY=1\nSTATUS=connected, discovery published", "WATCHDOG=1", "STOPPING=1"} {
		if got := read(t, c); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	if err := n.Err(); err != nil {
		t.Error(err)
	}
}

func TestWatchdogOfAnotherProcessIsNotOurs(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "/nonexistent")
	t.Setenv("WATCHDOG_USEC", "20000000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()+1))
	if got := FromEnv().WatchdogInterval(); got != 0 {
		t.Errorf("watchdog interval %v for another pid's watchdog, want 0", got)
	}
}

func TestOutsideSystemdNothingIsSent(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	n := FromEnv()
	n.Ready()
	n.Alive()
	if n.Err() != nil || n.WatchdogInterval() != 0 {
		t.Error("without NOTIFY_SOCKET nothing is sent and there is no watchdog")
	}
	var none *Notifier
	none.Ready()
	none.Alive()
	none.Stopping()
}

func TestAMissingSocketIsReported(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", filepath.Join(t.TempDir(), "gone"))
	n := FromEnv()
	n.Ready()
	if n.Err() == nil {
		t.Error("a failed READY=1 should be reported by Err")
	}
}
