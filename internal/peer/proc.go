package peer

import (
	"errors"
	"fmt"
	"net"
	"os/exec"
	"time"
)

// Proc is a peer process a test started (mosquitto, named, smbd).
type Proc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// Start starts cmd and watches for its exit.
func Start(cmd *exec.Cmd) (*Proc, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Proc{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	return p, nil
}

// Exited is closed when the process has ended.
func (p *Proc) Exited() <-chan struct{} { return p.done }

// Kill stops the process hard (SIGKILL, like a crash) and waits for it;
// a nil or ended Proc is fine.
func (p *Proc) Kill() {
	if p == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// ErrExited is a peer that ended before it was ready.
var ErrExited = errors.New("exited")

// Listening waits until addr accepts TCP connections, the process ends
// (ErrExited) or within passes.
func (p *Proc) Listening(addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			return c.Close()
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s %w before listening on %s", p.cmd.Path, ErrExited, addr)
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not listen on %s within %s", p.cmd.Path, addr, within)
}
