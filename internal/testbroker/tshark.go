package testbroker

import (
	"bufio"
	"context"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/homefleet/homefleet/internal/peer"
)

// Capture is a running tshark on the loopback interface.
type Capture struct {
	cmd *exec.Cmd
	out io.Reader
}

// Tshark starts `tshark -l -i lo` with args (a capture filter, -c N, the
// fields to print) and returns once it captures; skips or fails per
// fails in CI when tshark is missing.
func Tshark(t testing.TB, ctx context.Context, args ...string) *Capture {
	t.Helper()
	bin := peer.Binary(t, "tshark", "tshark")
	cmd := exec.CommandContext(ctx, bin, append([]string{"-l", "-i", "lo"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go func() { // tshark says when it captures, then keeps talking
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Capturing on") {
				close(ready)
				break
			}
		}
		for sc.Scan() {
		}
	}()
	select {
	case <-ready:
	case <-time.After(20 * time.Second):
		t.Fatal("tshark did not start capturing")
	}
	time.Sleep(300 * time.Millisecond) // the capture filter is in place
	return &Capture{cmd: cmd, out: stdout}
}

// Lines waits for tshark to exit (its -c count reached) and returns what
// it printed.
func (c *Capture) Lines() []string {
	var lines []string
	sc := bufio.NewScanner(c.out)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	_ = c.cmd.Wait()
	return lines
}
