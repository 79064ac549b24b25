package schedule

import (
	"context"
	"testing"
	"time"

	"github.com/homefleet/homefleet/hub/feature"
	"github.com/homefleet/homefleet/internal/wire"
)

// journal is a duty journal shared by two hubs, as etcd is: each
// (key, occasion) is granted to the leader once.
type journal struct {
	leader string
	done   map[string]string // key -> last occasion
}

type member struct {
	j    *journal
	name string
}

func (m member) Leading() bool { return m.j.leader == m.name }

func (m member) Claim(_ context.Context, key, occasion string) feature.Outcome {
	switch {
	case m.j.done[key] == occasion:
		return feature.Done
	case !m.Leading():
		return feature.Wait
	}
	m.j.done[key] = occasion
	return feature.Act
}

// Two hubs run the same backup window; the leader is replaced after the
// job went out. The follower sends nothing while it follows, counts the
// job as running once the leader sent it, and after taking over sends
// the sleep once, never the job again.
func TestBackupAcrossTwoHubs(t *testing.T) {
	ctx := context.Background()
	j := &journal{leader: "a", done: map[string]string{}}
	stA, clock := onStore(t, "2026-06-02 03:00")
	stB, _ := onStore(t, "2026-06-02 03:00")
	a, pubA := newTestScheduler(t, stA, clock, nightly)
	b, pubB := newTestScheduler(t, stB, clock, nightly)
	a.env.Duty, b.env.Duty = member{j, "a"}, member{j, "b"}
	for _, s := range []*Service{b, a} { // the follower's tick first: it must wait, not mark the job sent
		s.handle(ctx, statusMsg{"nas", true})
		s.tick(ctx)
	}
	if got := pubB.topics("homefleet/nas/cmd"); len(got) != 0 {
		t.Fatalf("the follower sent %v", got)
	}
	if b.items[0].backup == nil || b.items[0].backup.running {
		t.Fatalf("the follower counts the job as sent before anyone sent it: %+v", b.items[0].backup)
	}
	if got := pubA.topics("homefleet/nas/cmd/run/backup"); len(got) != 1 {
		t.Fatalf("the leader sent the job %d times, want once", len(got))
	}
	b.tick(ctx) // now the journal has it
	if !b.items[0].backup.running {
		t.Fatal("the follower did not learn that the job runs")
	}
	j.leader = "b" // a dies; b takes over
	clock.t = clock.t.Add(20 * time.Minute)
	b.tick(ctx)
	for _, s := range []*Service{a, b} {
		s.handle(ctx, idleMsg{"nas", &wire.Idle{Idle: true, ForMin: 45}})
		s.handle(ctx, eventMsg{"nas", wire.Event{Type: "job", Verb: "run/backup", OK: true, LatencyMS: 95_000}})
	}
	if got := pubB.topics("homefleet/nas/cmd/run/backup"); len(got) != 0 {
		t.Errorf("the new leader sent the job again: %v", got)
	}
	if got, old := pubB.topics("homefleet/nas/cmd/sleep"), pubA.topics("homefleet/nas/cmd/sleep"); len(got)+len(old) != 1 || len(got) != 1 {
		t.Errorf("sleep sent by the new leader %d times and by the old %d times, want once by the new", len(got), len(old))
	}
}
