package schedule

import (
	"context"
	"strings"
	"testing"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/hub/store"
	"github.com/homefleet/homefleet/internal/wire"
)

// TestBackupRunSurvivesAHubRestart: the hub is killed after the window
// started and the job was sent; the restarted hub neither starts the
// window again nor sends the job again, and the job's result still
// closes the run. Killed before the job was sent, it sends it once.
func TestBackupRunSurvivesAHubRestart(t *testing.T) {
	ctx := context.Background()
	st, path := openStore(t)
	clock := &fakeClock{at("2026-06-02 03:00")}
	s, pub := newTestScheduler(t, st, clock, nightly)
	s.tick(ctx)
	clock.t = at("2026-06-02 03:02")
	s.handle(ctx, statusMsg{"nas", true})
	if n := len(pub.topics("homefleet/nas/cmd/run/backup")); n != 1 {
		t.Fatalf("job sent %d times before the kill", n)
	}
	_ = st.Close() // killed: nothing of s runs again

	st2, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	clock.t = at("2026-06-02 03:05")
	s2, pub2 := newTestScheduler(t, st2, clock, nightly)
	s2.handle(ctx, statusMsg{"nas", true})
	s2.tick(ctx)
	if got := pub2.topics("homefleet/nas/cmd"); len(got) != 0 {
		t.Fatalf("the restarted hub acted again: %v", got)
	}
	s2.handle(ctx, eventMsg{"nas", wire.Event{Type: "job", Verb: "run/backup", OK: true, LatencyMS: 60_000}})
	if got := pub2.topics("homefleet/hub/schedule/nightly/trigger"); len(got) != 1 || !strings.HasSuffix(got[0], discovery.TriggerBackupFinished) {
		t.Errorf("the resumed run did not finish: %v", got)
	}
	// Closed: a third start does nothing either.
	s3, pub3 := newTestScheduler(t, st2, clock, nightly)
	s3.handle(ctx, statusMsg{"nas", true})
	s3.tick(ctx)
	if got := pub3.topics("homefleet/nas/cmd"); len(got) != 0 {
		t.Errorf("acted after the run closed: %v", got)
	}
}

func TestBackupRunResumedBeforeTheJobWasSent(t *testing.T) {
	ctx := context.Background()
	st, path := openStore(t)
	clock := &fakeClock{at("2026-06-02 03:00")}
	s, pub := newTestScheduler(t, st, clock, nightly)
	s.tick(ctx) // wake sent; the NAS is still asleep
	if n := len(pub.topics("homefleet/nas/cmd/wake")); n != 1 {
		t.Fatalf("wake sent %d times", n)
	}
	_ = st.Close()
	st2, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	clock.t = at("2026-06-02 03:04")
	s2, pub2 := newTestScheduler(t, st2, clock, nightly)
	s2.tick(ctx)
	s2.handle(ctx, statusMsg{"nas", true}) // it woke
	s2.tick(ctx)
	if got := pub2.topics("homefleet/nas/cmd/wake"); len(got) != 0 {
		t.Errorf("the wake was sent again: %v", got)
	}
	if got := pub2.topics("homefleet/nas/cmd/run/backup"); len(got) != 1 {
		t.Errorf("want the job sent once by the restarted hub, got %v", got)
	}
}
