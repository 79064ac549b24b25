//go:build linux

package main

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/homefleet/homefleet/hub"
	"github.com/homefleet/homefleet/hub/store"
	"github.com/homefleet/homefleet/hub/wake"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/peer"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// packets records magic packets instead of sending them.
type packets struct {
	mu sync.Mutex
	n  int
}

func (p *packets) Send(string, net.HardwareAddr, []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	return nil
}

func (p *packets) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// diskDocument is an agent's SMART document with reallocated sectors n.
func diskDocument(poh, realloc uint64) []byte {
	attrs := map[string]wire.DiskAttr{"a5": {ID: 5, Count: realloc}}
	for _, id := range []int{10, 12, 187, 188, 189, 196, 197, 198} {
		attrs["a"+strconv.Itoa(id)] = wire.DiskAttr{ID: id}
	}
	b, _ := json.Marshal(wire.Disk{V: 1, TS: 1, Status: wire.DiskOK, Name: "sda", Model: "WDC WD40EFRX", Serial: "WD-FULL1",
		Health: wire.DiskHealth{Known: true, Passed: true, Reasons: []string{}}, PowerOnHours: &poh, Attrs: attrs})
	return b
}

// TestStoreFullThenSpaceReturns puts the hub's store on a 4 MiB tmpfs
// and fills it: the hub says why on its state (HA's History store sensor)
// and event topic, keeps predicting and waking, writes what it kept once
// space returns, and the database passes PRAGMA integrity_check. (A
// read-only remount cannot be tested the same way: the kernel refuses it
// while the hub holds the file open for writing; a write error of any
// kind takes the same path.)
func TestStoreFullThenSpaceReturns(t *testing.T) {
	peer.Root(t, "mounting a small tmpfs for the store")
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	dbPath := filepath.Join(dir, "hub.db")
	b := testbroker.Embedded(t)
	sc := topic.Default()
	w := testbroker.Watch(t, b.URL(), "homefleet/#")
	hcfg := config.Hub{MQTT: config.MQTT{URL: b.URL()}, Store: dbPath,
		Wake: config.Wake{Targets: []config.WakeTarget{{Name: "tv", MAC: "02:00:00:00:00:01", Broadcast: "127.255.255.255"}}, Timeout: time.Hour}}
	hcfg.SetDefaults()
	must(t, hcfg.Validate())
	ctx, cancel := context.WithCancel(context.Background())
	sent := &packets{}
	log, logs := testbroker.Logger(t)
	h, err := hub.StartWith(ctx, hcfg, "1.0.0", log, hub.Options{Wake: wake.Options{Sender: sent}})
	must(t, err)
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			_ = h.Wait()
		}
	}
	defer stop()
	diskTopic, predTopic := sc.Disk("nas", "wd-full1"), sc.HubDisk("nas", "wd-full1")
	hubState := func(w *testbroker.Watcher) wire.HubState {
		var s wire.HubState
		if m, ok := w.Latest(sc.State(topic.HubID)); ok {
			_ = json.Unmarshal(m.Payload, &s)
		}
		return s
	}
	poh := uint64(20000)
	w.Publish(t, diskTopic, diskDocument(poh, 0), true)
	if !w.WaitFor(20*time.Second, func(w *testbroker.Watcher) bool { return predictionState(w, predTopic) == "ok" }) {
		t.Fatal("no prediction")
	}

	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	must(t, err)
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling: %v", err)
			}
			break
		}
	}
	must(t, f.Close())
	for i := uint64(1); i <= 40; i++ { // each a changed reading the store must write
		w.Publish(t, diskTopic, diskDocument(poh+i, i), true)
	}
	if !w.WaitFor(30*time.Second, func(w *testbroker.Watcher) bool { return strings.Contains(hubState(w).StoreError, "full") }) {
		t.Fatalf("the hub's state does not say the store is full: %+v\n%s", hubState(w), logs)
	}
	if !w.WaitFor(10*time.Second, func(w *testbroker.Watcher) bool { return hasStoreEvent(w, false) }) {
		t.Error("no store event on the hub's event topic")
	}
	if !w.WaitFor(20*time.Second, func(w *testbroker.Watcher) bool { return predictionState(w, predTopic) == "critical" }) {
		t.Errorf("predictions stopped with the store: %s", predictionState(w, predTopic))
	}
	w.Publish(t, sc.Command("tv", "wake"), []byte("PRESS"), false)
	if !w.WaitFor(20*time.Second, func(w *testbroker.Watcher) bool {
		m, ok := w.Latest(sc.HubWake("tv"))
		return ok && strings.Contains(string(m.Payload), wire.WakeSent) && sent.count() > 0
	}) {
		t.Errorf("wake stopped with the store: %d packets", sent.count())
	}

	must(t, os.Remove(filler)) // space returns
	w.Sync(t)
	back := time.Now()
	w.Publish(t, diskTopic, diskDocument(poh+41, 41), true)
	if !w.WaitFor(30*time.Second, func(w *testbroker.Watcher) bool {
		m, ok := w.Latest(predTopic) // published once what was kept is written
		return hubState(w).StoreError == "" && hasStoreEvent(w, true) && ok && m.At.After(back)
	}) {
		t.Fatalf("the hub did not say it writes again: %+v", hubState(w))
	}

	stop()
	st, err := store.Open(dbPath)
	must(t, err)
	defer st.Close()
	if ok, err := st.IntegrityCheck(context.Background()); err != nil || ok != "ok" {
		t.Fatalf("integrity_check: %q, %v", ok, err)
	}
	rows, err := st.History(context.Background(), "nas", "wd-full1")
	must(t, err)
	if len(rows) != 42 || rows[41].Obs.Attr[0] != 41 {
		t.Errorf("history has %d rows (last %+v), want all 42 readings, those of the full disk too", len(rows), rows[len(rows)-1].Obs.Attr)
	}
}

func hasStoreEvent(w *testbroker.Watcher, ok bool) bool {
	for _, m := range w.Messages() {
		var ev wire.Event
		if m.Topic == topic.Default().Event(topic.HubID) && json.Unmarshal(m.Payload, &ev) == nil && ev.Type == "store" && ev.OK == ok {
			return true
		}
	}
	return false
}
