package agent

import (
	"context"
	"testing"
	"time"

	"github.com/homefleet/homefleet/agent/collect/host"
	"github.com/homefleet/homefleet/agent/collect/host/hosttest"
)

// countingPublisher counts messages and bytes and keeps nothing.
type countingPublisher struct{ msgs, bytes int }

func (c *countingPublisher) Publish(_ context.Context, _ string, payload []byte, _ bool) error {
	c.msgs++
	c.bytes += len(payload)
	return nil
}

func benchCycle(b *testing.B, src host.Source) {
	ctx := context.Background()
	now := time.Now()
	a, _ := newTestAgent(src, &now)
	pub := &countingPublisher{}
	a.pub = pub
	a.cycle(ctx, false) // first cycle: discovery + state, not counted
	a.cycle(ctx, false)
	*pub = countingPublisher{}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		now = now.Add(10 * time.Second) // a heartbeat every 6 cycles, as in production
		a.cycle(ctx, false)
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/cycle")
	b.ReportMetric(float64(pub.msgs)/float64(b.N), "msgs/cycle")
	b.ReportMetric(float64(pub.bytes)/float64(b.N), "B-published/cycle")
}

// BenchmarkCycleHost is one collection + encode + publish-decision cycle
// on the machine running the benchmark (real /proc and /sys reads).
func BenchmarkCycleHost(b *testing.B) {
	benchCycle(b, host.NewSource(host.Options{MountsEvery: 6}))
}

// BenchmarkCycleFixture is the same cycle on the fixture host, so the
// cost of the agent's own code is visible without the OS reads.
func BenchmarkCycleFixture(b *testing.B) {
	benchCycle(b, hosttest.NewFake())
}
