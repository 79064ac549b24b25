package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/homefleet/homefleet/agent"
	"github.com/homefleet/homefleet/agent/collect/host"
	"github.com/homefleet/homefleet/agent/collect/host/hosttest"
	"github.com/homefleet/homefleet/agent/collect/smart"
	"github.com/homefleet/homefleet/agent/evacuate"
	"github.com/homefleet/homefleet/agent/power/powertest"
	"github.com/homefleet/homefleet/hub"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/peer"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// dyingDisk's SMART history follows stage: 0 healthy, 1 Critical (48
// reallocated sectors and 8 pending within a day), 2 Failing (400 pending
// and 200 uncorrectable within the next day).
type dyingDisk struct{ stage *atomic.Int32 }

func (d dyingDisk) Collect(context.Context) ([]smart.Result, error) {
	steps := [][3]uint64{{0, 0, 0}, {48, 8, 0}, {64, 400, 200}}
	st := steps[d.stage.Load()]
	poh := uint64(20000 + 24*d.stage.Load()) //nolint:gosec // 0..2
	attrs := []smart.Attr{{ID: 5, Count: st[0]}, {ID: 197, Count: st[1]}, {ID: 198, Count: st[2]}}
	for _, id := range []uint8{10, 12, 187, 188, 189, 196} {
		attrs = append(attrs, smart.Attr{ID: id})
	}
	return []smart.Result{{Name: "sda", Disk: smart.Disk{Name: "sda", Protocol: smart.ATA, Model: "WDC WD40EFRX", Serial: "WD-EVAC1",
		PowerOnHours: &poh, Health: smart.Health{Known: true, Passed: true}, Attrs: attrs}}}, nil
}

func evacuationDoc(w *testbroker.Watcher, t string) wire.Evacuation {
	var e wire.Evacuation
	if m, ok := w.Latest(t); ok {
		_ = json.Unmarshal(m.Payload, &e)
	}
	return e
}

func predictionState(w *testbroker.Watcher, t string) string {
	var p wire.Prediction
	if m, ok := w.Latest(t); ok {
		_ = json.Unmarshal(m.Payload, &p)
	}
	return p.State
}

// TestEvacuationEndToEnd: a disk's history crosses into Critical; the hub
// (predict.evacuate: auto) journals a request and sends it; the agent
// checks the destination's room and copies the disk's mount point with
// Debian's rsync, publishing progress and the result. The disk then goes
// on into Failing, the hub restarts on the same store, and the same
// request arrives again: nothing is copied a second time.
func TestEvacuationEndToEnd(t *testing.T) {
	rsync := peer.Binary(t, "rsync", "rsync")
	b := testbroker.Embedded(t)
	const id = "evacnas01"
	src, dest := t.TempDir(), t.TempDir()
	var total int
	for i := range 6 {
		data := bytes.Repeat([]byte{byte('a' + i)}, 512<<10)
		must(t, os.MkdirAll(filepath.Join(src, "photos"), 0o755))
		must(t, os.WriteFile(filepath.Join(src, "photos", "img"+string(rune('0'+i))+".jpg"), data, 0o644))
		total += len(data)
	}
	sc := topic.Default()
	w := testbroker.Watch(t, b.URL(), "homefleet/#")
	store := filepath.Join(t.TempDir(), "hub.db")
	startHub := func(ctx context.Context) *hub.Hub {
		hcfg := config.Hub{MQTT: config.MQTT{URL: b.URL()}, Store: store, Predict: config.Predict{Evacuate: config.EvacuateAuto}}
		hcfg.SetDefaults()
		must(t, hcfg.Validate())
		h, err := hub.Start(ctx, hcfg, "1.0.0", slog.New(slog.DiscardHandler))
		must(t, err)
		return h
	}
	hubCtx, stopHub := context.WithCancel(context.Background())
	h := startHub(hubCtx)

	var stage atomic.Int32
	acfg := config.Agent{Device: config.Device{ID: id}, MQTT: config.MQTT{URL: b.URL()}, Collect: config.Collect{Interval: time.Second},
		Evacuate: config.Evacuate{Destination: dest, Journal: filepath.Join(t.TempDir(), "evacuations.json"),
			Command: []string{rsync, "-a", "--partial", "--mkpath", "--info=progress2", "--bwlimit=1500", "{mounts}", "{dest}/{host}/{disk}/"}}}
	acfg.SetDefaults()
	must(t, acfg.Validate())
	acfg.Collect.SMARTInterval = 200 * time.Millisecond // Validate's floor is a minute; the test reads often
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	log, logs := testbroker.Logger(t)
	wg.Go(func() {
		_ = agent.Run(ctx, acfg, agent.Deps{Version: "1.0.0", Log: log, Power: &powertest.Recorder{},
			Collectors: &agent.Collectors{Host: host.New(hosttest.NewFake()), Net: fakeNet, Disks: dyingDisk{&stage},
				Layout: func() (map[string]evacuate.Layout, error) {
					return map[string]evacuate.Layout{"sda": {Mounts: []string{src}, Shares: []string{"Photos"}}}, nil
				}}})
	})
	const disk = "wd-evac1"
	evacTopic, predTopic := sc.Evacuation(id, disk), sc.HubDisk(id, disk)
	if !w.WaitFor(30*time.Second, func(w *testbroker.Watcher) bool {
		return predictionState(w, predTopic) == "ok" && evacuationDoc(w, evacTopic).State == wire.EvacuationIdle
	}) {
		t.Fatalf("no ok prediction and idle evacuation; saw %v", w.Snapshot())
	}
	var doc wire.Disk
	m, _ := w.Latest(sc.Disk(id, disk))
	must(t, json.Unmarshal(m.Payload, &doc))
	if strings.Join(doc.Mounts, ",") != src || strings.Join(doc.Shares, ",") != "Photos" {
		t.Errorf("the disk's facts name mounts %v and shares %v", doc.Mounts, doc.Shares)
	}

	stage.Store(1) // Critical
	if !w.WaitFor(60*time.Second, func(w *testbroker.Watcher) bool { return evacuationDoc(w, evacTopic).State == wire.EvacuationDone }) {
		t.Fatalf("no finished evacuation; prediction %s, evacuation %+v\n%s", predictionState(w, predTopic), evacuationDoc(w, evacTopic), logs)
	}
	done := evacuationDoc(w, evacTopic)
	if done.Percent != 100 || int(done.Bytes) != total || !strings.HasPrefix(done.ID, "evac-"+disk+"-") || done.Reason != "" {
		t.Errorf("done document %+v; want 100 %% of %d bytes from rsync's progress, the hub's request id", done, total)
	}
	running := 0
	for _, msg := range w.Messages() {
		var e wire.Evacuation
		if msg.Topic == evacTopic && json.Unmarshal(msg.Payload, &e) == nil && e.State == wire.EvacuationRunning {
			running++
		}
	}
	if running == 0 {
		t.Error("no running document while copying")
	}
	copied, err := os.ReadFile(filepath.Join(dest, id, disk, "photos", "img3.jpg"))
	if err != nil || len(copied) != 512<<10 || copied[0] != 'd' {
		t.Fatalf("copied file: %d bytes, %v", len(copied), err)
	}
	commands := func() int {
		n := 0
		for _, msg := range w.Messages() {
			if msg.Topic == sc.Evacuate(id, disk) {
				n++
			}
		}
		return n
	}

	stage.Store(2) // Failing: a second crossing in the same episode
	if !w.WaitFor(30*time.Second, func(w *testbroker.Watcher) bool { return predictionState(w, predTopic) == "failing" }) {
		t.Fatalf("no failing prediction: %s", predictionState(w, predTopic))
	}
	if n := commands(); n != 1 { // the hub sends before it publishes the prediction
		t.Errorf("%d evacuation commands for one entry into Critical, then Failing; want 1", n)
	}
	stopHub()
	_ = h.Wait()
	w.Reset()
	hubCtx, stopHub = context.WithCancel(context.Background())
	h = startHub(hubCtx) // the same store: history and journal
	defer func() { stopHub(); _ = h.Wait() }()
	if !w.WaitFor(30*time.Second, func(w *testbroker.Watcher) bool { return predictionState(w, predTopic) == "failing" }) {
		t.Fatal("the restarted hub did not predict failing")
	}
	w.Sync(t)
	if n := commands(); n != 0 {
		t.Errorf("%d evacuation commands after the restart; the episode was handled", n)
	}
	// The hub's request arriving again (a duplicate delivery) is refused by the agent's journal.
	payload, _ := json.Marshal(wire.Command{ID: done.ID, TS: time.Now().Unix()})
	w.Publish(t, sc.Evacuate(id, disk), payload, false)
	if !w.WaitFor(20*time.Second, func(w *testbroker.Watcher) bool {
		for _, msg := range w.Messages() {
			var ev wire.Event
			if msg.Topic == sc.Event(id) && json.Unmarshal(msg.Payload, &ev) == nil && ev.ID == done.ID && !ev.OK {
				return strings.Contains(ev.Reason, "not run twice")
			}
		}
		return false
	}) {
		t.Fatalf("a repeated request was not refused; last event %s", w.Snapshot()[sc.Event(id)])
	}
	if e := evacuationDoc(w, evacTopic); e.State != "" && e.State != wire.EvacuationDone {
		t.Errorf("the refusal replaced the result: %+v", e)
	}
}
