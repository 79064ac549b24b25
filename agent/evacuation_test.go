package agent

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/homefleet/homefleet/agent/collect/host"
	"github.com/homefleet/homefleet/agent/collect/host/hosttest"
	"github.com/homefleet/homefleet/agent/evacuate"
	"github.com/homefleet/homefleet/agent/power/powertest"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/peer"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// TestEvacuationResumesAfterARestart: the journal says a copy was running
// when the agent stopped; the next start runs the same command again
// (rsync --partial picks up), the journal then says done, and the result
// is published.
func TestEvacuationResumesAfterARestart(t *testing.T) {
	rsync := peer.Binary(t, "rsync", "rsync")
	src, dest, state := t.TempDir(), t.TempDir(), t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(src, "a.bin"), make([]byte, 300<<10), 0o644))
	journal := filepath.Join(state, "evacuations.json")
	j, err := evacuate.OpenJournal(journal)
	must(err)
	target := filepath.Join(dest, testID, "wd-1") + "/"
	must(j.Put(evacuate.Record{ID: "evac-wd-1-100", Disk: "wd-1", Args: []string{rsync, "-a", "--partial", "--mkpath", "--info=progress2", src + "/", target},
		Mounts: []string{src}, State: evacuate.Running, Started: 100}))

	b := testbroker.Embedded(t)
	w := testbroker.Watch(t, b.URL(), "homefleet/#")
	cfg := testConfig(b.URL(), time.Second)
	cfg.Evacuate.Destination, cfg.Evacuate.Journal = dest, journal
	cfg.SetDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, cfg, Deps{Version: "1.0.0", Power: &powertest.Recorder{}, Collectors: &Collectors{Host: host.New(hosttest.NewFake())}})
	}()
	defer func() { cancel(); <-done }()
	evTopic := topic.Default().Evacuation(testID, "wd-1")
	if !w.WaitFor(20*time.Second, func(w *testbroker.Watcher) bool {
		m, ok := w.Latest(evTopic)
		var e wire.Evacuation
		return ok && json.Unmarshal(m.Payload, &e) == nil && e.State == wire.EvacuationDone && e.ID == "evac-wd-1-100"
	}) {
		t.Fatalf("no resumed copy; saw %v", w.Snapshot())
	}
	if fi, err := os.Stat(filepath.Join(target, "a.bin")); err != nil || fi.Size() != 300<<10 {
		t.Fatalf("copied: %v %v", fi, err)
	}
	again, err := evacuate.OpenJournal(journal)
	must(err)
	if r, _ := again.Get("evac-wd-1-100"); r.State != evacuate.Done || r.Resumes != 1 || r.Finished == 0 {
		t.Errorf("journal after the resumed copy: %+v", r)
	}
	if u := again.Unfinished(); len(u) != 0 {
		t.Errorf("still unfinished: %+v", u)
	}
}

// TestEvacuationRefusals: an agent without evacuate, a disk it does not
// have, and a destination without room each refuse with the reason, and
// nothing is copied.
func TestEvacuationRefusals(t *testing.T) {
	now := time.Unix(1767323050, 0)
	a, rec := newTestAgent(hosttest.NewFake(), &now)
	err := a.startEvacuation(context.Background(), "wd-1", wire.Command{})
	if err == nil || !strings.Contains(err.Error(), "evacuate is not configured") {
		t.Errorf("unconfigured: %v", err)
	}
	a.evac, err = newEvacuation(configEvacuate(t, "/nonexistent/dest"))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.startEvacuation(context.Background(), "wd-9", wire.Command{}); err == nil || !strings.Contains(err.Error(), `disk "wd-9" is not a disk of this machine`) {
		t.Errorf("unknown disk: %v", err)
	}
	a.evac.known("wd-2", nil)
	if err := a.startEvacuation(context.Background(), "wd-2", wire.Command{}); err == nil || !strings.Contains(err.Error(), "no mounted filesystem") {
		t.Errorf("nothing mounted: %v", err)
	}
	a.evac.known("wd-1", []string{t.TempDir()})
	err = a.startEvacuation(context.Background(), "wd-1", wire.Command{ID: "evac-wd-1-5"})
	if err == nil || !strings.Contains(err.Error(), "destination /nonexistent/dest") {
		t.Errorf("missing destination: %v", err)
	}
	var doc wire.Evacuation
	var b []byte
	for _, m := range rec.take() {
		if m.Topic == topic.Default().Evacuation(testID, "wd-1") {
			b = m.Payload
		}
	}
	if json.Unmarshal(b, &doc) != nil || doc.State != wire.EvacuationRefused || !strings.Contains(doc.Reason, "/nonexistent/dest") {
		t.Errorf("the refusal is not the disk's document: %+v", doc)
	}
	if _, seen := a.evac.journal.Get("evac-wd-1-5"); seen {
		t.Error("a refused request was journaled: it could never run once room is made")
	}
}

func configEvacuate(t *testing.T, dest string) config.Evacuate {
	t.Helper()
	e := config.Evacuate{Destination: dest, Journal: filepath.Join(t.TempDir(), "evacuations.json")}
	c := config.Agent{Evacuate: e}
	c.SetDefaults()
	return c.Evacuate
}
