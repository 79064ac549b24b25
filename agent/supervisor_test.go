package agent

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/homefleet/homefleet/agent/collect/host"
	"github.com/homefleet/homefleet/agent/collect/host/hosttest"
	"github.com/homefleet/homefleet/agent/collect/idle"
	"github.com/homefleet/homefleet/agent/power/powertest"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
)

// watcher is systemd as the agent sees it: it records READY=1 (and
// whether discovery was retained at the broker by then) and the pings.
type watcher struct {
	ready, alive  atomic.Int32
	discoveryThen atomic.Bool
	hasDiscovery  func() bool
	interval      time.Duration
}

func (w *watcher) Ready() {
	w.ready.Add(1)
	w.discoveryThen.Store(w.hasDiscovery())
}
func (w *watcher) Alive()                          { w.alive.Add(1) }
func (w *watcher) WatchdogInterval() time.Duration { return w.interval }

// stuckHost reads the fake host; while stuck, every read blocks until
// release is closed.
type stuckHost struct {
	*hosttest.Fake
	stuck   atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func (s *stuckHost) Read(ctx context.Context) (host.Raw, error) {
	if s.stuck.Load() {
		select {
		case s.entered <- struct{}{}:
		default:
		}
		<-s.release
	}
	return s.Fake.Read(ctx) //nolint:wrapcheck // the fake's
}

// TestReadyAfterDiscoveryAndAWatchdogFromTheLoop: the agent tells the
// supervisor it is ready only once its discovery is at the broker, pings
// the watchdog from its main loop, and stops pinging while a cycle hangs
// (so systemd's WatchdogSec restarts a hung agent).
func TestReadyAfterDiscoveryAndAWatchdogFromTheLoop(t *testing.T) {
	b := testbroker.Embedded(t)
	w := testbroker.Watch(t, b.URL(), "homeassistant/#")
	sc := topic.Default()
	sup := &watcher{interval: 5 * time.Millisecond, hasDiscovery: func() bool {
		w.Sync(t)
		_, ok := w.Latest(sc.Discovery(testID))
		return ok
	}}
	src := &stuckHost{Fake: hosttest.NewFake(), entered: make(chan struct{}, 1), release: make(chan struct{})}
	cfg := testConfig(b.URL(), time.Second)
	cfg.Collect.Interval = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, cfg, Deps{Version: "1.0.0", Power: &powertest.Recorder{}, Supervisor: sup,
			Collectors: &Collectors{Host: host.New(src), Idle: []idle.Check{}}})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	if !testbroker.Eventually(10*time.Second, func() bool { return sup.ready.Load() > 0 && sup.alive.Load() > 3 }) {
		t.Fatalf("ready %d, pings %d", sup.ready.Load(), sup.alive.Load())
	}
	if !sup.discoveryThen.Load() {
		t.Error("READY=1 came before the agent's discovery was at the broker")
	}
	src.stuck.Store(true)
	<-src.entered // the main loop is now stuck in a cycle
	before := sup.alive.Load()
	time.Sleep(100 * time.Millisecond) // twenty ping intervals
	if got := sup.alive.Load(); got != before {
		t.Errorf("the watchdog was pinged %d times while the main loop hung", got-before)
	}
	src.stuck.Store(false)
	close(src.release)
	if !testbroker.Eventually(10*time.Second, func() bool { return sup.alive.Load() > before }) {
		t.Error("the pings did not resume with the loop")
	}
}
