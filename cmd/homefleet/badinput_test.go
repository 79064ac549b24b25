package main

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/homefleet/homefleet/agent"
	"github.com/homefleet/homefleet/agent/collect/host"
	"github.com/homefleet/homefleet/agent/collect/host/hosttest"
	"github.com/homefleet/homefleet/agent/power/powertest"
	"github.com/homefleet/homefleet/hub"
	"github.com/homefleet/homefleet/internal/access"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// badPayloads are the kinds of bad input sent live to every subscribed
// topic (a retained command is tried separately, at connect).
var badPayloads = []struct{ name, payload string }{
	{"1 MiB", strings.Repeat("A", 1<<20)},
	{"not UTF-8", "\xff\xfe\xfd"},
	{"malformed JSON", "{{{"},
	{"wrong JSON type", "[1,2,3]"},
	{"unknown field", `{"cmd":"rm -rf /"}`},
	{"stale", `{"id":"old","ts":1}`},
	{"nested 60000 deep", strings.Repeat("[", 60000)},
	{"NUL bytes", "PRESS\x00\x00"},
}

var subscribedRE = regexp.MustCompile(`msg="mqtt subscribed".* filter=(\S+)`)

// TestBadInputOnEverySubscribedTopic runs the hub and an agent on a real
// Mosquitto. A retained command waits on every command topic before they
// connect; then each bad payload goes to a concrete topic of every filter
// either process subscribed, then 500 Refresh presses in a burst. Every
// bad command is refused and counted in an event, nothing crashes, a
// legitimate command behind the flood runs, and the burst runs Refresh
// about once a second, not 500 times.
func TestBadInputOnEverySubscribedTopic(t *testing.T) {
	m := testbroker.StartMosquitto(t, "")
	sc := topic.Default()
	const id = "nas"
	commands := []string{sc.Command(id, "refresh"), sc.Command(id, "sleep"), sc.Command(id, "shutdown"), sc.Command(id, "reboot"),
		sc.Command(id, "hibernate"), sc.Command(id, "keep_awake"), sc.Command(id, "wake-relay"), sc.RunJob(id, "backup"),
		sc.Command(id, "format-disk"), sc.Command(id, "wake"),
		sc.Command(topic.HubID, "ddns_update"), sc.Command(topic.HubID, "schedule_night"), sc.Command(topic.HubID, "run_now_night"),
		sc.Command(topic.HubID, "self-destruct")}
	others := []string{sc.HAStatus(), sc.Status(id), sc.State(id), sc.Claim(id), sc.Disk(id, "sda"), sc.Net(id), sc.Event(id),
		sc.Discovery(id), sc.NodeDiscovery(id, id+"_sda")}
	w := testbroker.Watch(t, m.URL(), "homefleet/#")
	for _, tp := range commands {
		w.Publish(t, tp, []byte("PRESS"), true) // stale, retained: must never fire
	}
	w.Sync(t)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	alog, abuf := testbroker.Logger(t)
	acfg := config.Agent{Device: config.Device{ID: id}, MQTT: config.MQTT{URL: m.URL()}, Collect: config.Collect{Interval: time.Hour},
		Power: config.Power{Allow: []string{"sleep"}}, Jobs: map[string]config.Job{"backup": {Command: []string{"true"}}}}
	acfg.SetDefaults()
	rec := &powertest.Recorder{}
	agentDone := make(chan error, 1)
	wg.Go(func() {
		agentDone <- agent.Run(ctx, acfg, agent.Deps{Version: "1.0.0", Log: alog, Power: rec,
			Collectors: &agent.Collectors{Host: host.New(hosttest.NewFake()), Net: fakeNet}})
	})
	// The agent first, so it meets the retained commands before the hub clears them.
	refusals := func(device string) (n int) {
		for _, msg := range w.Messages() {
			var ev wire.Event
			if msg.Topic == sc.Event(device) && json.Unmarshal(msg.Payload, &ev) == nil && !ev.OK && ev.Type == "command" {
				n += ev.Count
			}
		}
		return n
	}
	agentCommands := 10
	if !w.WaitFor(20*time.Second, func(*testbroker.Watcher) bool { return refusals(id) >= agentCommands-1 }) { // nas/cmd/wake is the hub's
		t.Fatalf("retained commands at the agent's connect: %d refusals, want %d", refusals(id), agentCommands-1)
	}
	hlog, hbuf := testbroker.Logger(t)
	hcfg := config.Hub{MQTT: config.MQTT{URL: m.URL()}, Store: ":memory:",
		Schedules: []config.Schedule{{Name: "night", Device: id, Kind: "sleep", Cron: "0 23 * * *", Window: time.Hour}},
		PublicIP:  config.PublicIP{Quorum: 1, Sources: []config.IPSource{{Name: "nas6", Kind: config.SourceAgent, Device: id}}}}
	hcfg.SetDefaults()
	must(t, hcfg.Validate())
	h, err := hub.Start(ctx, hcfg, "1.0.0", hlog)
	must(t, err)
	hubDone := make(chan error, 1)
	wg.Go(func() { hubDone <- h.Wait() })
	retained := len(commands)
	if !w.WaitFor(20*time.Second, func(*testbroker.Watcher) bool { return refusals(id)+refusals(topic.HubID) >= retained }) {
		t.Fatalf("retained commands: %d refusals, want %d", refusals(id)+refusals(topic.HubID), retained)
	}
	if len(rec.Done) != 0 {
		t.Fatalf("a retained command ran: %v", rec.Done)
	}

	// Every filter either process subscribed has a concrete topic here.
	var filters []string
	for _, logs := range []string{abuf.String(), hbuf.String()} {
		for _, mm := range subscribedRE.FindAllStringSubmatch(logs, -1) {
			if !slices.Contains(filters, mm[1]) {
				filters = append(filters, mm[1])
			}
		}
	}
	t.Logf("subscribed: %v", filters)
	all := append(slices.Clone(commands), others...)
	for _, f := range filters {
		if !slices.ContainsFunc(all, func(tp string) bool { return access.Covers(f, tp) }) {
			t.Errorf("subscribed filter %s has no topic in the table", f)
		}
	}
	before := refusals(id) + refusals(topic.HubID)
	for _, tp := range all {
		for _, b := range badPayloads {
			w.Publish(t, tp, []byte(b.payload), false)
		}
	}
	legit := `{"id":"after-the-flood"}`
	w.Publish(t, sc.Command(id, "refresh"), []byte(legit), false)
	want := before + len(commands)*len(badPayloads)
	ranLegit := func(w *testbroker.Watcher) bool {
		for _, msg := range w.Messages() {
			var ev wire.Event
			if msg.Topic == sc.Event(id) && json.Unmarshal(msg.Payload, &ev) == nil && ev.OK && ev.ID == "after-the-flood" {
				return true
			}
		}
		return false
	}
	if !w.WaitFor(30*time.Second, func(w *testbroker.Watcher) bool { return refusals(id)+refusals(topic.HubID) >= want && ranLegit(w) }) {
		t.Fatalf("refusals %d, want %d; legitimate command ran: %t", refusals(id)+refusals(topic.HubID), want, ranLegit(w))
	}
	time.Sleep(1500 * time.Millisecond) // a report window: nothing more may come
	if got := refusals(id) + refusals(topic.HubID); got != want {
		t.Errorf("refusals %d, want exactly %d (one per bad command)", got, want)
	}
	t.Logf("%d topics (%d command topics, %d subscribed filters) x %d bad payloads + %d retained commands: %d refusals counted, none run",
		len(all), len(commands), len(filters), len(badPayloads), retained, refusals(id)+refusals(topic.HubID))

	// 500 presses in a burst.
	oks := func() (n int) {
		for _, msg := range w.Messages() {
			var ev wire.Event
			if msg.Topic == sc.Event(id) && json.Unmarshal(msg.Payload, &ev) == nil && ev.OK && ev.Verb == "refresh" {
				n++
			}
		}
		return n
	}
	ran, refusedBefore := oks(), refusals(id)
	start := time.Now()
	w.Flood(t, sc.Command(id, "refresh"), []byte("PRESS"), 500)
	took := time.Since(start)
	if !w.WaitFor(30*time.Second, func(*testbroker.Watcher) bool { return (oks()-ran)+(refusals(id)-refusedBefore) >= 500 }) {
		t.Fatalf("burst: %d ran, %d refused, want 500 in all", oks()-ran, refusals(id)-refusedBefore)
	}
	runs := oks() - ran
	if limit := 1 + int(took/time.Second); runs < 1 || runs > limit {
		t.Errorf("500 presses over %s ran Refresh %d times, want 1..%d", took.Round(time.Millisecond), runs, limit)
	}
	t.Logf("500 Refresh presses published in %s: ran %d, refused %d (counted in the events)", took.Round(time.Millisecond), runs, refusals(id)-refusedBefore)

	for name, done := range map[string]chan error{"agent": agentDone, "hub": hubDone} {
		select {
		case err := <-done:
			t.Errorf("%s stopped: %v", name, err)
		default:
		}
	}
	fresh := testbroker.Watch(t, m.URL(), sc.Status(id), sc.Status(topic.HubID))
	fresh.Sync(t) // the retained availability (the garbage sent to it was not retained)
	for _, dev := range []string{id, topic.HubID} {
		if !fresh.Has(sc.Status(dev), []byte(topic.Online)) {
			t.Errorf("%s went offline", dev)
		}
	}
}
