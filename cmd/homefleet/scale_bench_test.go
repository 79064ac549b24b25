//go:build linux

package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/homefleet/homefleet/internal/peer"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
)

// procCPU is a process's CPU time so far: the sum over its threads of
// /proc/<pid>/task/<tid>/schedstat's first field, which the scheduler keeps
// in nanoseconds (/proc/<pid>/stat's utime and stime are sampled at the
// 10 ms tick, too coarse for a figure of about 1 ms per 10 s cycle). A Go
// program does not end its threads, so no thread's time is lost; without
// schedstat (a kernel built without it) the tick figure is used.
func procCPU(t testing.TB, pid int) time.Duration {
	t.Helper()
	if d, ok := schedCPU(pid); ok {
		return d
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64) // utime, stime: fields 14, 15 of stat
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}

func schedCPU(pid int) (time.Duration, bool) {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil || len(tasks) == 0 {
		return 0, false
	}
	var sum time.Duration
	for _, task := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/schedstat", pid, task.Name()))
		if err != nil {
			return 0, false
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			return 0, false
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, false
		}
		sum += time.Duration(ns)
	}
	return sum, true
}

// procKB reads a VmRSS/VmHWM-style field of /proc/<pid>/status in kB.
func procKB(t testing.TB, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	return 0
}

func startProc(t testing.TB, logName string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...) //nolint:gosec // the benchmark's own programs
	logf, err := os.Create(filepath.Join(t.TempDir(), logName))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// benchSeconds is the measured window (HOMEFLEET_BENCH_SECONDS, default 60).
func benchSeconds() time.Duration {
	if s, err := strconv.Atoi(os.Getenv("HOMEFLEET_BENCH_SECONDS")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return time.Minute
}

// fleetBench starts a Mosquitto for a thousand clients, builds homefleet
// and writes a hub config on that broker with its history in a file.
func fleetBench(b *testing.B) (*testbroker.Mosquitto, string, string) {
	b.Helper()
	m := testbroker.StartMosquitto(b, "max_queued_messages 100000\nmax_connections -1\n")
	bin := buildHomefleet(b)
	dir := b.TempDir()
	cfg := filepath.Join(dir, "hub.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, "mqtt: {url: %q}\nstore: %s\nlog: {level: warn}\n", m.URL(), filepath.Join(dir, "hub.db")), 0o600); err != nil {
		b.Fatal(err)
	}
	return m, bin, cfg
}

// BenchmarkHubIngest1000: 1,000 simulated agents (homefleet sim, 2 disks
// each, every 10 s) on Mosquitto; the hub (its own process, history in a
// file) and a bare `mosquitto_sub -t 'homefleet/#'` consume the same
// stream. Reported: each one's CPU over the window, their ratio, the
// hub's peak RSS and RSS growth, and the growth of the messages Mosquitto
// holds ($SYS/broker/store/messages/count: the retained set is steady, so
// growth is a queue for a consumer that falls behind). Run: go test ./cmd/homefleet -run '^$' -bench HubIngest -benchtime 1x.
func BenchmarkHubIngest1000(b *testing.B) {
	sub := peer.Binary(b, "mosquitto_sub", "mosquitto-clients")
	m, bin, cfg := fleetBench(b)
	for b.Loop() {
		hub := startProc(b, "hub.log", bin, "hub", "--config", cfg)
		_, port, _ := net.SplitHostPort(m.Addr)
		bare := startProc(b, "sub.log", sub, "-h", "127.0.0.1", "-p", port, "-t", "homefleet/#", "-q", "1")
		startProc(b, "sim.log", bin, "sim", "--agents", "1000", "--disks", "2", "--interval", "10s", "--broker", m.URL())
		w := testbroker.Watch(b, m.URL(), topic.Default().State(topic.HubID))
		if !w.WaitFor(3*time.Minute, func(w *testbroker.Watcher) bool {
			msg, ok := w.Latest(topic.Default().State(topic.HubID))
			return ok && strings.Contains(string(msg.Payload), `"online":1000`)
		}) {
			b.Fatal("the hub never saw 1000 agents online")
		}
		// Start-up is over once the hub's retained set is complete (its
		// Wake and prediction configs and predictions for 2,000 disks take
		// about a minute): the broker's stored count stops moving.
		for prev, deadline := brokerStored(b, m.URL()), time.Now().Add(5*time.Minute); time.Now().Before(deadline); {
			time.Sleep(20 * time.Second)
			cur := brokerStored(b, m.URL())
			if cur == prev {
				break
			}
			prev = cur
		}
		h0, s0 := procCPU(b, hub.Process.Pid), procCPU(b, bare.Process.Pid)
		rss0 := procKB(b, hub.Process.Pid, "VmRSS")
		stored0 := brokerStored(b, m.URL())
		window := benchSeconds()
		time.Sleep(window)
		h1, s1 := procCPU(b, hub.Process.Pid), procCPU(b, bare.Process.Pid)
		b.ReportMetric(brokerStored(b, m.URL())-stored0, "broker_stored_growth")
		hubCPU, subCPU := h1-h0, s1-s0
		b.ReportMetric(hubCPU.Seconds()/window.Seconds()*100, "hub_cpu_%")
		b.ReportMetric(subCPU.Seconds()/window.Seconds()*100, "mosquitto_sub_cpu_%")
		b.ReportMetric(hubCPU.Seconds()/max(subCPU.Seconds(), 0.01), "hub/sub_cpu")
		b.ReportMetric(float64(procKB(b, hub.Process.Pid, "VmHWM"))/1024, "hub_peak_rss_MB")
		b.ReportMetric(float64(procKB(b, hub.Process.Pid, "VmRSS")-rss0)/1024, "hub_rss_growth_MB")
		b.Logf("window %s: hub %s CPU, mosquitto_sub %s CPU", window, hubCPU, subCPU)
	}
}

// BenchmarkDiscoveryRepublish1000: 1,000 simulated agents (1 disk each)
// and the hub; HA's birth; reported: seconds until every agent's device
// and disk config and the hub's Wake and prediction configs of every
// device are at a subscriber again.
func BenchmarkDiscoveryRepublish1000(b *testing.B) {
	m, bin, cfg := fleetBench(b)
	startProc(b, "hub.log", bin, "hub", "--config", cfg)
	startProc(b, "sim.log", bin, "sim", "--agents", "1000", "--disks", "1", "--interval", "1h", "--start", "20s", "--broker", m.URL())
	sc := topic.Default()
	count := func(w *testbroker.Watcher) int {
		n := 0
		for _, msg := range w.Messages() {
			if strings.HasPrefix(msg.Topic, "homeassistant/device/") && !msg.Retained && len(msg.Payload) > 0 {
				n++
			}
		}
		return n
	}
	up := testbroker.Watch(b, m.URL(), "homeassistant/device/#")
	const want = 4000 // per agent: its device, its disk; the hub's Wake and prediction
	if !up.WaitFor(5*time.Minute, func(w *testbroker.Watcher) bool { return len(w.Snapshot()) >= want }) {
		b.Fatalf("only %d configs retained", len(up.Snapshot()))
	}
	time.Sleep(10 * time.Second)
	for b.Loop() {
		w := testbroker.Watch(b, m.URL(), "homeassistant/device/#")
		w.Sync(b)
		w.Reset()
		birth := time.Now()
		w.Publish(b, sc.HAStatus(), []byte("online"), false)
		if !w.WaitFor(2*time.Minute, func(w *testbroker.Watcher) bool { return count(w) >= want }) {
			b.Fatalf("only %d of %d configs republished", count(w), want)
		}
		var last time.Time
		for _, msg := range w.Messages() {
			if strings.HasPrefix(msg.Topic, "homeassistant/device/") && msg.At.After(last) {
				last = msg.At
			}
		}
		b.ReportMetric(last.Sub(birth).Seconds(), "s_to_last_config")
		b.ReportMetric(float64(count(w)), "configs")
	}
}

// brokerStored is the count of messages Mosquitto holds (retained and
// queued), from its next $SYS report (every 10 s by default).
func brokerStored(b *testing.B, url string) float64 {
	b.Helper()
	const t = "$SYS/broker/store/messages/count"
	w := testbroker.Watch(b, url, t)
	if !w.WaitFor(30*time.Second, func(w *testbroker.Watcher) bool { _, ok := w.Latest(t); return ok }) {
		b.Fatalf("no %s from the broker", t)
	}
	msg, _ := w.Latest(t)
	n, err := strconv.ParseFloat(strings.TrimSpace(string(msg.Payload)), 64)
	if err != nil {
		b.Fatalf("%s: %q: %v", t, msg.Payload, err)
	}
	return n
}
