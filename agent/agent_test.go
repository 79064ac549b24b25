package agent

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/homefleet/homefleet/agent/collect/host"
	"github.com/homefleet/homefleet/agent/collect/host/hosttest"
	"github.com/homefleet/homefleet/agent/power/powertest"
	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// recorder is a publisher that records every message.
type recorder struct {
	mu   sync.Mutex
	msgs []testbroker.Message
}

func (r *recorder) Publish(_ context.Context, t string, payload []byte, retain bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, testbroker.Message{Topic: t, Payload: payload, Retained: retain})
	return nil
}

func (r *recorder) take() []testbroker.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.msgs
	r.msgs = nil
	return out
}

// newTestAgent builds the agent's main part on src, with a recorder as
// its session and *now as its clock; edits adjust config and deps.
func newTestAgent(src host.Source, now *time.Time, edits ...func(*config.Agent, *Deps)) (*Agent, *recorder) {
	cfg := config.Agent{Device: config.Device{ID: testID}, MQTT: config.MQTT{URL: "mqtt://127.0.0.1:1"},
		Collect: config.Collect{Interval: 10 * time.Second, Heartbeat: time.Minute}}
	cfg.SetDefaults()
	d := Deps{Version: "1.0.0", Collectors: &Collectors{Host: host.New(src)}, Power: &powertest.Recorder{},
		Now: func() time.Time { return *now }}
	for _, e := range edits {
		e(&cfg, &d)
	}
	d.defaults(cfg)
	rec := &recorder{}
	return newAgent(cfg, testID, d, rec), rec
}

// command is a message on one of the agent's command topics.
type command struct {
	verb     string
	payload  []byte
	retained bool
}

// deliver passes c through the agent's inbox as the session would, runs
// what it admitted and publishes the refusals at once (no report window).
func deliver(ctx context.Context, a *Agent, c command) {
	sc := a.opts.Scheme
	tp := sc.Command(a.opts.ID, c.verb)
	if job, ok := strings.CutPrefix(c.verb, "run/"); ok {
		tp = sc.RunJob(a.opts.ID, job)
	}
	_ = a.inbox.Handle(tp, c.payload, c.retained)
	select {
	case admitted := <-a.commands:
		a.command(ctx, admitted)
	default:
	}
	a.inbox.Flush(ctx, a.publishRefusal)
}

func TestMountRemovalRemovesEntities(t *testing.T) {
	ctx := context.Background()
	src := hosttest.NewFake()
	now := hosttest.Start
	a, rec := newTestAgent(src, &now)
	a.cycle(ctx, false)
	first := rec.take()
	if len(first) != 2 || first[0].Topic != topic.Default().Discovery(testID) {
		t.Fatalf("first cycle must publish discovery then state, got %d messages", len(first))
	}
	src.RemoveMount("/srv/data")
	a.cycle(ctx, false)
	msgs := rec.take()
	var discs []discovery.Payload
	for _, m := range msgs {
		if m.Topic == topic.Default().Discovery(testID) {
			var p discovery.Payload
			if err := json.Unmarshal(m.Payload, &p); err != nil {
				t.Fatal(err)
			}
			discs = append(discs, p)
		}
	}
	if len(discs) != 2 {
		t.Fatalf("want tombstone + new discovery, got %d discovery messages", len(discs))
	}
	if e := discs[0].Components["fs_srv_data_pct"]; !reflect.DeepEqual(e, discovery.Entity{Platform: discovery.Sensor}) {
		t.Errorf("tombstone must be bare {p: sensor}, got %+v", e)
	}
	if _, ok := discs[1].Components["fs_srv_data_pct"]; ok {
		t.Error("removed mount still in the final discovery")
	}
	if _, ok := discs[1].Components["fs_root_pct"]; !ok {
		t.Error("remaining mount lost")
	}
}

func TestPublishesOnChangeOrHeartbeat(t *testing.T) {
	ctx := context.Background()
	src := hosttest.NewFake()
	now := hosttest.Start
	a, rec := newTestAgent(src, &now)
	states := 0
	for i := range 13 { // 2 minutes of 10 s cycles on a steady host
		now = hosttest.Start.Add(time.Duration(i) * 10 * time.Second)
		a.cycle(ctx, false)
		for _, m := range rec.take() {
			if strings.HasSuffix(m.Topic, "/state") {
				states++
			}
		}
	}
	// Cycle 0 publishes, cycle 1 (first real rates) publishes, then the
	// steady host only publishes at the heartbeat: cycle 7 (70 s).
	if states != 3 {
		t.Errorf("want 3 state messages in 13 steady cycles, got %d", states)
	}
}

func TestCommandsRejected(t *testing.T) {
	ctx := context.Background()
	now := hosttest.Start
	tests := []struct {
		name     string
		verb     string
		payload  string
		retained bool
		ok       bool
		reason   string
	}{
		{"HA button press", "refresh", "PRESS", false, true, ""},
		{"fresh timestamped", "refresh", `{"id":"a1","ts":` + itoa64(now.Unix()) + `}`, false, true, ""},
		{"retained", "refresh", "PRESS", true, false, "retained"},
		{"stale", "refresh", `{"id":"a2","ts":` + itoa64(now.Add(-time.Hour).Unix()) + `}`, false, false, "stale"},
		{"malformed", "refresh", `{"id":`, false, false, "malformed"},
		{"unknown field", "refresh", `{"cmd":"rm -rf /"}`, false, false, "malformed"},
		{"unknown verb", "selfdestruct", "PRESS", false, false, "unknown command verb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, rec := newTestAgent(hosttest.NewFake(), &now)
			deliver(ctx, a, command{verb: tt.verb, payload: []byte(tt.payload), retained: tt.retained})
			msgs := rec.take()
			ev := msgs[len(msgs)-1]
			if ev.Topic != topic.Default().Event(testID) || ev.Retained {
				t.Fatalf("want a non-retained event, got %s retained=%v", ev.Topic, ev.Retained)
			}
			var e wire.Event
			if err := json.Unmarshal(ev.Payload, &e); err != nil {
				t.Fatal(err)
			}
			if e.OK != tt.ok || !strings.Contains(e.Reason, tt.reason) {
				t.Errorf("event %+v, want ok=%v reason~%q", e, tt.ok, tt.reason)
			}
			refreshed := false
			for _, m := range msgs {
				refreshed = refreshed || m.Topic == topic.Default().State(testID)
			}
			if refreshed != tt.ok {
				t.Errorf("refresh executed=%v, want %v", refreshed, tt.ok)
			}
		})
	}
}

func itoa64(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestGarbageIsIgnored sends junk on every subscribed topic through a real
// broker: the agent logs each bad topic once, keeps running and keeps
// answering.
func TestGarbageIsIgnored(t *testing.T) {
	b := testbroker.Embedded(t)
	sc := topic.Default()
	w := testbroker.Watch(t, b.URL(), "homeassistant/device/#", "homefleet/#")
	// A retained command left on the broker must never run when the agent
	// (re)connects (the hub clears it: TestTidyClearsOnlyWhatMustNotStay).
	w.Publish(t, sc.Command(testID, "refresh"), []byte("PRESS"), true)
	// mochi fans a publish out after acknowledging it: let it settle, or the
	// new subscriber gets the message twice (retained, then live).
	time.Sleep(300 * time.Millisecond)
	r := startAgent(t, testConfig(b.URL(), time.Second), hosttest.NewFake())
	if !w.WaitFor(20*time.Second, published(sc)) {
		t.Fatal("agent did not come online")
	}
	for range 3 {
		w.Publish(t, sc.HAStatus(), []byte("\x00\xffnot a status"), false)
		w.Publish(t, sc.Command(testID, "refresh"), []byte("{{{{"), false)
		w.Publish(t, sc.Command(testID, "format-disk"), []byte("PRESS"), false)
	}
	w.Publish(t, sc.Command(testID, "refresh"), []byte("PRESS"), false)
	// every answer and refusal, in any order: refusals are reported apart
	// from the loop that answers, and the counted ones a window later
	wants := []string{`"ok":true`, "malformed", "unknown command verb", "retained"}
	var events []string
	if !w.WaitFor(15*time.Second, func(w *testbroker.Watcher) bool {
		events = events[:0]
		for _, m := range w.Messages() {
			if m.Topic == sc.Event(testID) {
				var e wire.Event
				if err := json.Unmarshal(m.Payload, &e); err != nil {
					t.Errorf("event is not JSON: %s", m.Payload)
				}
				events = append(events, string(m.Payload))
			}
		}
		joined := strings.Join(events, "|")
		for _, want := range wants {
			if !strings.Contains(joined, want) {
				return false
			}
		}
		return true
	}) {
		t.Fatalf("agent stopped answering after garbage: events %v, want each of %q; logs:\n%s", events, wants, r.logs)
	}
	warned := 0
	for _, line := range strings.Split(r.logs.String(), "\n") {
		if strings.Contains(line, "level=WARN") && strings.Contains(line, "topic=homeassistant/status") {
			warned++
		}
	}
	if warned != 1 {
		t.Errorf("bad HA status logged %d times at WARN, want once:\n%s", warned, r.logs)
	}
	if !w.Has(sc.Status(testID), []byte(topic.Online)) {
		t.Error("agent went offline")
	}
}

func TestHABirthRepublishes(t *testing.T) {
	b := testbroker.Embedded(t)
	sc := topic.Default()
	w := testbroker.Watch(t, b.URL(), "homeassistant/device/#", "homefleet/+/state")
	startAgent(t, testConfig(b.URL(), time.Second), hosttest.NewFake())
	if !w.WaitFor(20*time.Second, func(w *testbroker.Watcher) bool { return w.Has(sc.Discovery(testID), nil) }) {
		t.Fatal("no discovery")
	}
	time.Sleep(100 * time.Millisecond)
	w.Reset()
	w.Publish(t, sc.HAStatus(), []byte("online"), false)
	start := time.Now()
	// Discovery first, then the state.
	stateAfterDiscovery := func(w *testbroker.Watcher) bool {
		disc := false
		for _, m := range w.Messages() {
			disc = disc || m.Topic == sc.Discovery(testID)
			if disc && m.Topic == sc.State(testID) {
				return true
			}
		}
		return false
	}
	if !w.WaitFor(30*time.Second, stateAfterDiscovery) {
		t.Fatal("discovery then state not republished after HA birth")
	}
	t.Logf("republished %s after HA's birth (spread: at most %s)", time.Since(start).Round(time.Millisecond), haSpread)
}
