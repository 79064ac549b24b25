// Package systemd tells systemd how a homefleet service is doing, over the
// sd_notify datagram protocol (sd_notify(3)): READY=1 once the MQTT
// session is up and discovery is published (Type=notify), WATCHDOG=1 from
// the main loop (WatchdogSec=, so a hung loop gets the service
// restarted), STOPPING=1 on a clean stop. Outside systemd (no
// NOTIFY_SOCKET) every call does nothing.
package systemd

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrNotify is returned when a notification cannot be sent.
var ErrNotify = errors.New("systemd notify")

// Notifier sends notifications to the service manager; the zero value
// and nil send nothing.
type Notifier struct {
	socket   string        // NOTIFY_SOCKET: a path, or @abstract
	watchdog time.Duration // WATCHDOG_USEC, when meant for this process

	once  sync.Once
	ready bool
	mu    sync.Mutex
	err   error // the first failed send, for Err
}

// FromEnv reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID as systemd
// sets them for the service's main process, and unsets them so that
// commands the service runs (jobs, smartctl) do not inherit them.
func FromEnv() *Notifier {
	n := &Notifier{socket: os.Getenv("NOTIFY_SOCKET")}
	if usec, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64); err == nil && usec > 0 {
		pid := os.Getenv("WATCHDOG_PID")
		if pid == "" || pid == strconv.Itoa(os.Getpid()) {
			n.watchdog = time.Duration(usec) * time.Microsecond
		}
	}
	for _, k := range []string{"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"} {
		_ = os.Unsetenv(k)
	}
	return n
}

// Ready tells systemd that start-up finished, once; later calls do nothing.
func (n *Notifier) Ready() {
	if n == nil {
		return
	}
	n.once.Do(func() {
		n.ready = true
		n.send("READY=1\nSTATUS=connected, discovery published")
	})
}

// Alive is the watchdog ping; the main loop calls it every
// WatchdogInterval.
func (n *Notifier) Alive() {
	if n != nil && n.watchdog > 0 {
		n.send("WATCHDOG=1")
	}
}

// Stopping tells systemd a clean stop began.
func (n *Notifier) Stopping() {
	if n != nil {
		n.send("STOPPING=1")
	}
}

// WatchdogInterval is how often Alive must be called: half of
// WatchdogSec, as sd_watchdog_enabled(3) advises; 0 without a watchdog.
func (n *Notifier) WatchdogInterval() time.Duration {
	if n == nil {
		return 0
	}
	return n.watchdog / 2
}

// Err is the first send that failed, if any.
func (n *Notifier) Err() error {
	if n == nil {
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.err
}

func (n *Notifier) send(state string) {
	if n.socket == "" {
		return
	}
	addr := n.socket
	if strings.HasPrefix(addr, "@") {
		addr = "\x00" + addr[1:] // an abstract socket
	}
	err := func() error {
		c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: addr, Net: "unixgram"})
		if err != nil {
			return err //nolint:wrapcheck // wrapped below
		}
		defer c.Close()
		_, err = c.Write([]byte(state))
		return err //nolint:wrapcheck // wrapped below
	}()
	if err != nil {
		n.mu.Lock()
		if n.err == nil {
			n.err = fmt.Errorf("%w: sending %q to %s: %w", ErrNotify, strings.SplitN(state, "\n", 2)[0], n.socket, err)
		}
		n.mu.Unlock()
	}
}
