//go:build linux

package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/homefleet/homefleet/internal/peer"
	"github.com/homefleet/homefleet/internal/testbroker"
)

// footprint is one process's figures over the window.
type footprint struct {
	name      string
	pid       int
	cpu0      time.Duration
	samples   []float64 // RSS in kB, one per cycle
	cpuAtHalf time.Duration
}

// slopeKBPerHour is the least-squares slope of the RSS samples.
func slopeKBPerHour(samples []float64, every time.Duration) float64 {
	n := float64(len(samples))
	if n < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i, y := range samples {
		x := float64(i)
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	perSample := (n*sxy - sx*sy) / (n*sxx - sx*sx)
	return perSample * float64(time.Hour/every)
}

// BenchmarkAgentFootprint runs, in the same window, the real agent (its
// own process, the default 10 s interval, this machine's readings) as
// packaged: "agent" is homefleet-agent (-tags agentonly), which the
// agent's service runs, "agent_full" the same agent run from the full
// homefleet binary (hub, store and etcd client linked but idle),
// Debian's prometheus-node-exporter scraped every 10 s, and a bare paho
// client publishing one 553-byte message every 10 s. Reported per
// process: peak RSS (VmHWM, start-up included), CPU per 10 s cycle (and
// the first and second half of the window apart: a rising cost shows),
// the RSS slope over the window; for the agent also messages and bytes
// per cycle. HOMEFLEET_BENCH_SECONDS sets the window (default 60; 3600
// for the leak run). Run: go test ./cmd/homefleet -run '^$' -bench
// AgentFootprint -benchtime 1x.
func BenchmarkAgentFootprint(b *testing.B) {
	const cycle = 10 * time.Second
	m := testbroker.StartMosquitto(b, "")
	agentBin := buildHomefleet(b, "-tags", "noplot,agentonly", "-trimpath", "-ldflags", "-s -w") // as packaged
	fullBin := buildHomefleet(b, "-tags", "noplot", "-trimpath", "-ldflags", "-s -w")
	exporter := peer.Binary(b, "prometheus-node-exporter", "prometheus-node-exporter")
	bare := filepath.Join(b.TempDir(), "barepub")
	build := exec.Command("go", "build", "-o", bare, "./testdata/barepub")
	build.Env = append(os.Environ(), "CGO_ENABLED=0") // static, like the agent
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("building the bare publisher: %v\n%s", err, out)
	}
	agentCfg := func(id string) string {
		cfg := filepath.Join(b.TempDir(), id+".yaml")
		if err := os.WriteFile(cfg, fmt.Appendf(nil, "mqtt: {url: %q}\ndevice: {id: %s}\ncollect: {interval: 10s}\nlog: {level: warn}\n", m.URL(), id), 0o600); err != nil {
			b.Fatal(err)
		}
		return cfg
	}
	w := testbroker.Watch(b, m.URL(), "homefleet/footprint/state")
	exporterAddr := testbroker.FreePort(b)
	procs := []*footprint{
		{name: "agent", pid: startProc(b, "agent.log", agentBin, "agent", "--config", agentCfg("footprint")).Process.Pid},
		{name: "agent_full", pid: startProc(b, "agent-full.log", fullBin, "agent", "--config", agentCfg("footprint-full")).Process.Pid},
		{name: "node_exporter", pid: startProc(b, "exporter.log", exporter, "--web.listen-address="+exporterAddr).Process.Pid},
		{name: "bare_paho", pid: startProc(b, "bare.log", bare, "--broker", "tcp://"+m.Addr, "--interval", cycle.String()).Process.Pid},
	}
	scrape := func() {
		if r, err := http.Get("http://" + exporterAddr + "/metrics"); err == nil { //nolint:noctx // loopback scrape
			_, _ = io.Copy(io.Discard, r.Body)
			_ = r.Body.Close()
		}
	}
	time.Sleep(3 * cycle) // start-up and the first readings
	window := benchSeconds()
	cycles := int(window / cycle)
	w.Reset()
	for _, p := range procs {
		p.cpu0 = procCPU(b, p.pid)
	}
	b.ResetTimer()
	for i := range cycles {
		scrape()
		time.Sleep(cycle)
		for _, p := range procs {
			p.samples = append(p.samples, float64(procKB(b, p.pid, "VmRSS")))
			if i == cycles/2-1 {
				p.cpuAtHalf = procCPU(b, p.pid)
			}
		}
	}
	b.StopTimer()
	msgs := w.Messages()
	bytes := 0
	for _, msg := range msgs {
		bytes += len(msg.Payload)
	}
	for _, p := range procs {
		end := procCPU(b, p.pid)
		msPerCycle := func(d time.Duration, n float64) float64 { return float64(d.Microseconds()) / 1000 / n }
		half := float64(cycles / 2)
		b.ReportMetric(float64(procKB(b, p.pid, "VmHWM"))/1024, p.name+"_peak_MB")
		b.ReportMetric(p.samples[len(p.samples)-1]/1024, p.name+"_rss_MB")
		b.ReportMetric(msPerCycle(end-p.cpu0, float64(cycles)), p.name+"_ms/cycle")
		b.ReportMetric(msPerCycle(p.cpuAtHalf-p.cpu0, half), p.name+"_ms/cycle_1st_half")
		b.ReportMetric(msPerCycle(end-p.cpuAtHalf, float64(cycles)-half), p.name+"_ms/cycle_2nd_half")
		b.ReportMetric(slopeKBPerHour(p.samples, cycle), p.name+"_rss_kB/h")
	}
	b.ReportMetric(float64(len(msgs))/float64(cycles), "agent_msgs/cycle")
	if len(msgs) > 0 {
		b.ReportMetric(float64(bytes)/float64(len(msgs)), "agent_B/msg")
	}
	b.Logf("window %s, %d cycles of 10 s (CPU time: the threads' schedstat run time, in ns)", window, cycles)
}
