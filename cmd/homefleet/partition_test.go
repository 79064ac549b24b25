//go:build linux

package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/homefleet/homefleet/internal/peer"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
)

// keepalive of the agents in these tests: the broker drops a silent
// client after 1.5 times this, publishing its will.
const keepalive = 2 * time.Second

// agentProcess starts `homefleet agent` (in netns ns when not "") on the
// broker at url and returns it; it is killed when the test ends.
func agentProcess(t *testing.T, bin, ns, url, id string) *exec.Cmd {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "agent.yaml")
	body := fmt.Sprintf("device: {id: %s}\nmqtt: {url: %q, keepalive: %s, backoff_min: 100ms, backoff_max: 1s}\ncollect: {interval: 1s, skip_smart: true}\nlog: {level: debug}\n", id, url, keepalive)
	must(t, os.WriteFile(cfg, []byte(body), 0o600))
	args := []string{bin, "agent", "--config", cfg}
	if ns != "" {
		args = append([]string{"ip", "netns", "exec", ns}, args...)
	}
	cmd := exec.CommandContext(context.Background(), args[0], args[1:]...) //nolint:gosec // the test's own binary
	logf, err := os.Create(filepath.Join(t.TempDir(), "agent.log"))
	must(t, err)
	cmd.Stdout, cmd.Stderr = logf, logf
	must(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGCONT)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("agent log:\n%s", b)
		}
	})
	return cmd
}

// status waits until the device's retained status is want and returns
// when it was seen.
func status(t *testing.T, w *testbroker.Watcher, id, want string, within time.Duration) time.Time {
	t.Helper()
	st := topic.Default().Status(id)
	if !w.WaitFor(within, func(w *testbroker.Watcher) bool {
		m, ok := w.Latest(st)
		return ok && string(m.Payload) == want
	}) {
		m, _ := w.Latest(st)
		t.Fatalf("status of %s is %q, want %q within %s", id, m.Payload, want, within)
	}
	m, _ := w.Latest(st)
	return m.At
}

// stateAfter waits for a state document of id published after t0.
func stateAfter(t *testing.T, w *testbroker.Watcher, id string, t0 time.Time, within time.Duration) {
	t.Helper()
	st := topic.Default().State(id)
	if !w.WaitFor(within, func(w *testbroker.Watcher) bool {
		m, ok := w.Latest(st)
		return ok && m.At.After(t0)
	}) {
		t.Fatalf("no state from %s after it came back", id)
	}
}

// TestSuspendedAgentIsOfflineAndComesBack: SIGSTOP freezes the agent
// longer than its keepalive (a laptop lid closed); the broker's will says
// offline; SIGCONT (the lid opened) and the same process notices,
// reconnects and republishes without a restart.
func TestSuspendedAgentIsOfflineAndComesBack(t *testing.T) {
	m := testbroker.StartMosquitto(t, "")
	bin := buildHomefleet(t)
	w := testbroker.Watch(t, m.URL(), "homefleet/#")
	const id = "suspend01"
	cmd := agentProcess(t, bin, "", m.URL(), id)
	status(t, w, id, "online", 30*time.Second)
	stopped := time.Now()
	must(t, cmd.Process.Signal(syscall.SIGSTOP))
	off := status(t, w, id, "offline", 20*keepalive)
	frozen := off.Sub(stopped)
	time.Sleep(keepalive) // stay suspended past the will
	resumed := time.Now()
	must(t, cmd.Process.Signal(syscall.SIGCONT))
	back := status(t, w, id, "online", 30*time.Second)
	stateAfter(t, w, id, resumed, 30*time.Second)
	if cmd.ProcessState != nil {
		t.Fatal("the agent exited")
	}
	t.Logf("suspend: offline %s after SIGSTOP (keepalive %s, the broker's bound 1.5x = %s); online %s after SIGCONT, same process",
		frozen.Round(10*time.Millisecond), keepalive, keepalive*3/2, back.Sub(resumed).Round(10*time.Millisecond))
}

// TestPartitionedAgentIsOfflineAndComesBack runs the agent in a network
// namespace of its own, joined to the broker by a veth pair: pulling the
// link makes the broker's will say offline; restoring it, the agent
// reconnects and republishes by itself.
func TestPartitionedAgentIsOfflineAndComesBack(t *testing.T) {
	peer.Root(t, "a network namespace and a veth pair")
	peer.Binary(t, "ip", "iproute2")
	suffix := fmt.Sprint(os.Getpid() % 100000)
	ns, host, inner := "hfpart"+suffix, "hfh"+suffix, "hfn"+suffix
	const hostIP, innerIP = "198.19.250.1", "198.19.250.2" // benchmarking range (RFC 2544): on no real network
	ip := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil { //nolint:gosec // fixed arguments
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	ip("netns", "add", ns)
	t.Cleanup(func() {
		_ = exec.Command("ip", "netns", "del", ns).Run()
		_ = exec.Command("ip", "link", "del", host).Run()
	})
	ip("link", "add", host, "type", "veth", "peer", "name", inner)
	ip("link", "set", inner, "netns", ns)
	ip("addr", "add", hostIP+"/30", "dev", host)
	ip("link", "set", host, "up")
	ip("-n", ns, "addr", "add", innerIP+"/30", "dev", inner)
	ip("-n", ns, "link", "set", inner, "up")
	ip("-n", ns, "link", "set", "lo", "up")

	_, port, _ := net.SplitHostPort(testbroker.FreePort(t))
	m := testbroker.StartMosquitto(t, "listener "+port+" "+hostIP)
	bin := buildHomefleet(t)
	w := testbroker.Watch(t, m.URL(), "homefleet/#")
	const id = "partition01"
	agentProcess(t, bin, ns, "mqtt://"+net.JoinHostPort(hostIP, port), id)
	status(t, w, id, "online", 30*time.Second)
	pulled := time.Now()
	ip("link", "set", host, "down")
	off := status(t, w, id, "offline", 20*keepalive)
	time.Sleep(2 * keepalive) // the agent's own keepalive fails too: it is reconnecting into nothing
	restored := time.Now()
	ip("link", "set", host, "up")
	back := status(t, w, id, "online", 60*time.Second)
	stateAfter(t, w, id, restored, 30*time.Second)
	t.Logf("partition: offline %s after the link went down (keepalive %s, the broker's bound %s); online %s after it came back",
		off.Sub(pulled).Round(10*time.Millisecond), keepalive, keepalive*3/2, back.Sub(restored).Round(10*time.Millisecond))
}
