package schedule

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/hub/feature"
	"github.com/homefleet/homefleet/hub/store"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/inbox"
	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// pubRecorder records publishes without a broker.
type pubRecorder struct {
	mu   sync.Mutex
	msgs []struct {
		topic   string
		payload string
	}
}

func (p *pubRecorder) Publish(_ context.Context, t string, payload []byte, _ bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.msgs = append(p.msgs, struct {
		topic   string
		payload string
	}{t, string(payload)})
	return nil
}

func (p *pubRecorder) Subscribe(string, mqttc.Handler) {}

func (p *pubRecorder) topics(prefix string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, m := range p.msgs {
		if strings.HasPrefix(m.topic, prefix) {
			out = append(out, m.topic+" "+m.payload)
		}
	}
	return out
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// newTestScheduler builds the service on a recording session; tests
// drive its loop's steps (tick, handle) directly.
func newTestScheduler(t *testing.T, st *store.Store, clock *fakeClock, cfgs ...config.Schedule) (*Service, *pubRecorder) {
	t.Helper()
	h := config.Hub{Schedules: cfgs}
	h.SetDefaults()
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	pub := &pubRecorder{}
	env := feature.Env{Scheme: topic.Default(), Version: "1.0.0", Log: slog.New(slog.DiscardHandler), Store: st, Session: pub, Now: clock.now}
	env.Commands, _ = feature.NewCommands(env)
	s, err := New(context.Background(), env, h.Schedules)
	if err != nil {
		t.Fatal(err)
	}
	return s, pub
}

// onStore opens a fresh store and a clock set to when (Berlin time).
func onStore(t *testing.T, when string) (*store.Store, *fakeClock) {
	t.Helper()
	st, _ := openStore(t)
	return st, &fakeClock{at(when)}
}

func openStore(t *testing.T) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hub.db")
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st, path
}

var nightly = config.Schedule{Name: "nightly", Device: "nas", Kind: "backup", Cron: "0 3 * * *", TimeZone: "Europe/Berlin", Job: "backup", Window: 2 * time.Hour, SleepAfter: true}

func count(list []string, sub string) int {
	n := 0
	for _, l := range list {
		if strings.Contains(l, sub) {
			n++
		}
	}
	return n
}

func TestBackupSchedule(t *testing.T) {
	ctx := context.Background()
	st, clock := onStore(t, "2026-06-02 02:59")
	s, pub := newTestScheduler(t, st, clock, nightly)
	s.tick(ctx)
	if n := len(pub.topics("homefleet/nas/cmd")); n != 0 {
		t.Fatalf("fired before 03:00: %d", n)
	}
	clock.t = at("2026-06-02 03:00")
	s.tick(ctx)
	s.tick(ctx) // never twice
	if got := pub.topics("homefleet/nas/cmd/wake"); len(got) != 1 {
		t.Fatalf("want one wake, got %v", got)
	}
	clock.t = at("2026-06-02 03:02")
	s.handle(ctx, statusMsg{"nas", true})
	if got := pub.topics("homefleet/nas/cmd/run/backup"); len(got) != 1 {
		t.Fatalf("want the job started once the NAS is online, got %v", got)
	}
	s.handle(ctx, idleMsg{"nas", &wire.Idle{Idle: true, ForMin: 45}})
	s.handle(ctx, eventMsg{"nas", wire.Event{Type: "job", Verb: "run/backup", OK: true, LatencyMS: 95_000}})
	if got := pub.topics("homefleet/hub/schedule/nightly/trigger"); len(got) != 1 || !strings.HasSuffix(got[0], discovery.TriggerBackupFinished) {
		t.Errorf("triggers %v", got)
	}
	if got := pub.topics("homefleet/nas/cmd/sleep"); len(got) != 1 {
		t.Errorf("sleep_after: want the idle NAS put to sleep, got %v", got)
	}
	var last wire.ScheduleState
	for _, m := range pub.msgs {
		if m.topic == topic.Default().HubSchedule("nightly") {
			_ = json.Unmarshal([]byte(m.payload), &last)
		}
	}
	if last.LastResult != "finished in 1m35s; sleep sent" || !strings.HasPrefix(last.NextRun, "2026-06-03T03:00:00+02:00") {
		t.Errorf("schedule state %+v", last)
	}
}

func TestBackupFailsWhenNoWake(t *testing.T) {
	ctx := context.Background()
	st, clock := onStore(t, "2026-06-02 03:00")
	s, pub := newTestScheduler(t, st, clock, nightly)
	s.tick(ctx)
	clock.t = at("2026-06-02 05:01") // the 2 h window is over, the NAS never came
	s.tick(ctx)
	got := pub.topics("homefleet/hub/schedule/nightly/trigger")
	if len(got) != 1 || !strings.HasSuffix(got[0], discovery.TriggerBackupFailed) {
		t.Errorf("want backup_failed, got %v", got)
	}
	if n := len(pub.topics("homefleet/nas/cmd/run")); n != 0 {
		t.Errorf("a job must not start on a sleeping device")
	}
}

func TestMisfireAfterHubRestart(t *testing.T) {
	ctx := context.Background()
	st, path := openStore(t)
	clock := &fakeClock{at("2026-06-01 03:00")}
	s, _ := newTestScheduler(t, st, clock, nightly)
	s.tick(ctx) // ran on June 1st
	_ = st.Close()
	// The hub was down over June 2nd 03:00 and comes back at 03:40:
	// inside the 1 h misfire window, the run happens late, once.
	st2, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	clock.t = at("2026-06-02 03:40")
	s2, pub := newTestScheduler(t, st2, clock, nightly)
	s2.tick(ctx)
	if got := pub.topics("homefleet/nas/cmd/wake"); len(got) != 1 {
		t.Fatalf("missed run inside the misfire window: %v", got)
	}
	// And a second restart a minute later does not run it again.
	s3, pub3 := newTestScheduler(t, st2, clock, nightly)
	clock.t = at("2026-06-02 03:41")
	s3.tick(ctx)
	if got := pub3.topics("homefleet/nas/cmd"); len(got) != 0 {
		t.Errorf("ran twice: %v", got)
	}
	// Back only at 04:30 on June 3rd: outside the window, skipped.
	s4, pub4 := newTestScheduler(t, st2, clock, nightly)
	clock.t = at("2026-06-03 04:30")
	s4.tick(ctx)
	if got := pub4.topics("homefleet/nas/cmd"); len(got) != 0 {
		t.Errorf("ran outside the misfire window: %v", got)
	}
}

func TestSleepWindow(t *testing.T) {
	ctx := context.Background()
	st, clock := onStore(t, "2026-06-01 22:30")
	win := config.Schedule{Name: "night", Device: "pc", Kind: "sleep", Cron: "0 23 * * *", TimeZone: "Europe/Berlin", Window: 7 * time.Hour, IdleMinutes: 30}
	s, pub := newTestScheduler(t, st, clock, win)
	s.handle(ctx, statusMsg{"pc", true})
	s.handle(ctx, idleMsg{"pc", &wire.Idle{Idle: true, ForMin: 50}})
	if n := len(pub.topics("homefleet/pc/cmd/sleep")); n != 0 {
		t.Fatal("slept outside the window")
	}
	clock.t = at("2026-06-01 23:10")
	s.handle(ctx, idleMsg{"pc", &wire.Idle{Idle: false, Reasons: []string{"1 SMB session from 192.168.1.20"}}})
	if n := len(pub.topics("homefleet/pc/cmd/sleep")); n != 0 {
		t.Fatal("slept while in use")
	}
	clock.t = at("2026-06-01 23:50")
	s.handle(ctx, idleMsg{"pc", &wire.Idle{Idle: true, ForMin: 31}})
	s.tick(ctx)
	if n := len(pub.topics("homefleet/pc/cmd/sleep")); n != 1 {
		t.Fatalf("want one sleep in the window, got %d", n)
	}
}

func TestScheduleSwitchPersisted(t *testing.T) {
	ctx := context.Background()
	st, clock := onStore(t, "2026-06-02 02:00")
	s, _ := newTestScheduler(t, st, clock, nightly)
	s.handle(ctx, inbox.Command{Verb: "schedule_nightly", On: false})
	s2, pub := newTestScheduler(t, st, clock, nightly) // after a restart
	clock.t = at("2026-06-02 03:00")
	s2.tick(ctx)
	if n := len(pub.topics("homefleet/nas/cmd")); n != 0 {
		t.Errorf("a disabled schedule ran")
	}
	s2.handle(ctx, inbox.Command{Verb: "run_now_nightly"})
	if n := len(pub.topics("homefleet/nas/cmd/wake")); n != 1 {
		t.Errorf("run now must run even when disabled: %d", n)
	}
	sc := topic.Default()
	p := discovery.SchedulePayload(topic.HubID, "nas", "nightly", true, "1.0.0", sc)
	b, _ := p.Marshal()
	state, _ := json.Marshal(wire.ScheduleState{V: 1, Enabled: true, NextRun: "2026-06-03T03:00:00+02:00"})
	for _, err := range discovery.NewChecker().Check(sc.NodeDiscovery(topic.HubID, topic.ScheduleNode("nas", "nightly")), b, map[string][]byte{sc.HubSchedule("nightly"): state}) {
		t.Error(err)
	}
}
