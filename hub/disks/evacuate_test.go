package disks

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/homefleet/homefleet/hub/feature/featuretest"
	"github.com/homefleet/homefleet/hub/store"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// TestJournaledRequestIsSentOnStart: a request whose intent was journaled
// but whose send was not (the hub died in between) is sent on start with
// its own id, and journaled as sent, so the next start sends nothing.
func TestJournaledRequestIsSentOnStart(t *testing.T) {
	b := testbroker.Embedded(t)
	sc := topic.Default()
	dbPath := filepath.Join(t.TempDir(), "hub.db")
	st, err := store.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	r := evacRequest{Device: "nas", Disk: "wd-1", ID: "evac-wd-1-1767323050", Since: 1767323050}
	raw, _ := json.Marshal(r)
	if err := st.SaveDoc(context.Background(), journalNS, r.key(), raw); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	w := testbroker.Watch(t, b.URL(), sc.Evacuate("nas", "wd-1"))
	h := featuretest.Start(t, b.URL(), featuretest.Options{Store: dbPath}, build)
	if !w.WaitFor(15*time.Second, func(w *testbroker.Watcher) bool {
		m, ok := w.Latest(sc.Evacuate("nas", "wd-1"))
		var c wire.Command
		return ok && json.Unmarshal(m.Payload, &c) == nil && c.ID == r.ID && c.TS > 0
	}) {
		t.Fatal("the journaled request was not sent on start")
	}
	for i := 0; !journaledSent(t, dbPath, r.key()); i++ { // written right after the send
		if i == 300 {
			t.Fatal("the send was not journaled")
		}
		time.Sleep(50 * time.Millisecond)
	}
	h.Stop(t)
	w.Reset()
	h = featuretest.Start(t, b.URL(), featuretest.Options{Store: dbPath}, build)
	w.Sync(t)
	time.Sleep(200 * time.Millisecond) // a resend would follow the connect at once
	w.Sync(t)
	for _, m := range w.Messages() {
		if m.Topic == sc.Evacuate("nas", "wd-1") {
			t.Errorf("sent again after it was journaled as sent: %s", m.Payload)
		}
	}
	h.Stop(t)
}

// journaledSent reads the journal entry key from the store file.
func journaledSent(t *testing.T, path, key string) bool {
	t.Helper()
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	docs, err := st.Docs(context.Background(), journalNS)
	if err != nil {
		t.Fatal(err)
	}
	var r evacRequest
	return json.Unmarshal(docs[key], &r) == nil && r.Sent
}
