package leader

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/homefleet/homefleet/hub/feature"
	"github.com/homefleet/homefleet/internal/testetcd"
	"github.com/homefleet/homefleet/internal/topic"
)

// Lose etcd entirely: the leader steps down once its lease would have
// expired, says "no leader" on the hub's leader and event topics, and no
// member claims anything until etcd is back.
func TestLeaderStepsDownWhenEtcdIsLost(t *testing.T) {
	etcd := testetcd.Start(t, 1)
	a := startMember(t, "hub-a", etcd.Endpoints(), 2*time.Second)
	b := startMember(t, "hub-b", etcd.Endpoints(), 2*time.Second)
	lead, _ := leaderOf(t, 10*time.Second, a, b)
	etcd.Kill(0)
	eventually(t, 20*time.Second, "the leader steps down", func() bool { return !lead.Leading() })
	sc := topic.Default()
	if d := decodeLeader(t, lead.sess.last(sc.HubLeader())); d.Leader != "" || !strings.Contains(d.Reason, "no leader") {
		t.Errorf("after etcd is lost the leader document is %+v, want no leader with the reason", d)
	}
	if ev := lead.sess.last(sc.Event(topic.HubID)); !strings.Contains(ev, `"type":"leader"`) || !strings.Contains(ev, "no leader") {
		t.Errorf("no 'no leader' event: %s", ev)
	}
	for _, m := range []*running{a, b} {
		if m.Leading() {
			t.Errorf("%s leads without etcd", m.cfg.Name)
		}
		if got := m.Claim(context.Background(), "wake/nas", "req-1"); got != feature.Wait {
			t.Errorf("%s's claim without etcd: %s, want wait", m.cfg.Name, got)
		}
	}
	etcd.Restart(0)
	leaderOf(t, 30*time.Second, a, b)
}

// Kill one etcd member of three: the leader keeps its term (the same
// lease and revision, no step-down) and its claims still pass.
func TestOneEtcdMemberOfThreeLost(t *testing.T) {
	etcd := testetcd.Start(t, 3)
	a := startMember(t, "hub-a", etcd.Endpoints(), 5*time.Second) // the default lease
	b := startMember(t, "hub-b", etcd.Endpoints(), 5*time.Second)
	lead, rest := leaderOf(t, 15*time.Second, a, b)
	term := lead.current()
	for i := range 3 { // each member in turn, the others up
		etcd.Kill(i)
		time.Sleep(6 * time.Second) // longer than the lease: a lost keep-alive would show
		if got := lead.current(); got != term {
			t.Fatalf("etcd member %d of 3 killed: the leader's term changed (%v → %v)", i, term, got)
		}
		if rest[0].Leading() {
			t.Fatalf("etcd member %d of 3 killed: two leaders", i)
		}
		if got := lead.Claim(context.Background(), "schedule/nightly/sleep", time.Now().String()); got != feature.Act {
			t.Errorf("etcd member %d of 3 killed: the leader's claim %s, want act", i, got)
		}
		etcd.Restart(i)
	}
	if n := strings.Count(lead.sess.all(topic.Default().Event(topic.HubID)), "no leader"); n != 0 {
		t.Errorf("%d 'no leader' events with two etcd members of three up", n)
	}
}
