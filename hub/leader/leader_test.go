package leader

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/homefleet/homefleet/hub/feature"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/testetcd"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// session records what a member publishes (no broker: the election is
// what is under test).
type session struct {
	mu   sync.Mutex
	msgs map[string][]string // topic -> payloads in order
}

func (s *session) Publish(_ context.Context, t string, payload []byte, _ bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs[t] = append(s.msgs[t], string(payload))
	return nil
}

func (s *session) Subscribe(string, mqttc.Handler) {}

func (s *session) all(t string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.msgs[t], "\n")
}

func (s *session) last(t string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.msgs[t]); n > 0 {
		return s.msgs[t][n-1]
	}
	return ""
}

// running is one member in the test.
type running struct {
	*Member
	sess   *session
	cancel context.CancelFunc
	done   chan struct{}
}

func startMember(t *testing.T, name string, endpoints []string, ttl time.Duration) *running {
	t.Helper()
	log, _ := testbroker.Logger(t)
	sess := &session{msgs: map[string][]string{}}
	env := feature.Env{Scheme: topic.Default(), Version: "1.0.0", Log: log, Session: sess, Now: time.Now}
	m, err := New(env, config.Leader{Etcd: endpoints, Name: name, TTL: ttl, Prefix: "/homefleet/"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{Member: m, sess: sess, cancel: cancel, done: make(chan struct{})}
	go func() { _ = m.Run(ctx); close(r.done) }()
	t.Cleanup(r.stop)
	return r
}

func (r *running) stop() {
	r.cancel()
	<-r.done
}

// eventually waits up to within for cond (the test's deadline, not a
// timing assertion: figures go in the benchmark).
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// leaderOf waits for exactly one of ms to lead and returns it.
func leaderOf(t *testing.T, within time.Duration, ms ...*running) (lead *running, rest []*running) {
	t.Helper()
	eventually(t, within, "one member leads", func() bool {
		lead, rest = nil, nil
		n := 0
		for _, m := range ms {
			if m.Leading() {
				lead, n = m, n+1
			} else {
				rest = append(rest, m)
			}
		}
		return n == 1
	})
	return lead, rest
}

func decodeLeader(t *testing.T, payload string) wire.Leader {
	t.Helper()
	d, err := wire.DecodeLeader([]byte(payload))
	if err != nil {
		t.Fatalf("leader document %q: %v", payload, err)
	}
	return d
}

func TestOneLeaderAndFencedClaims(t *testing.T) {
	etcd := testetcd.Start(t, 1)
	a := startMember(t, "hub-a", etcd.Endpoints(), 2*time.Second)
	b := startMember(t, "hub-b", etcd.Endpoints(), 2*time.Second)
	lead, rest := leaderOf(t, 10*time.Second, a, b)
	follower := rest[0]
	ctx := context.Background()

	if got := decodeLeader(t, lead.sess.last(topic.Default().HubLeader())); got.Leader != lead.cfg.Name || got.Rev == 0 || got.Lease == "" {
		t.Errorf("leader document %+v, want %s with its lease and revision", got, lead.cfg.Name)
	}
	if got := lead.sess.last(topic.Default().Status(topic.HubID)); got != topic.Online {
		t.Errorf("the leader says hub availability %q, want online", got)
	}
	if got := follower.Claim(ctx, "schedule/backup/job", "2026-12-07T02:00:00Z"); got != feature.Wait {
		t.Errorf("follower's claim before the leader acted: %s, want wait", got)
	}
	if got := lead.Claim(ctx, "schedule/backup/job", "2026-12-07T02:00:00Z"); got != feature.Act {
		t.Fatalf("leader's first claim: %s, want act", got)
	}
	for _, m := range []*running{lead, follower} {
		if got := m.Claim(ctx, "schedule/backup/job", "2026-12-07T02:00:00Z"); got != feature.Done {
			t.Errorf("%s claiming an occasion already done: %s, want done", m.cfg.Name, got)
		}
	}
	if got := lead.Claim(ctx, "schedule/backup/job", "2026-12-08T02:00:00Z"); got != feature.Act {
		t.Errorf("leader's claim of the next occasion: %s, want act", got)
	}

	// Depose the leader behind its back, as an expired lease would: its
	// election key goes. Its claims must fail on the fence, and the
	// follower takes over.
	cli, err := clientv3.New(clientv3.Config{Endpoints: etcd.Endpoints()})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	term := lead.current()
	if term == nil {
		t.Fatal("leader lost its term")
	}
	if _, err := cli.Delete(ctx, term.key); err != nil {
		t.Fatal(err)
	}
	if got := lead.Claim(ctx, "ddns/home.example.com/A", "81.2.69.142"); got == feature.Act {
		t.Error("a deposed leader's claim passed the fence")
	}
	eventually(t, 10*time.Second, "the follower takes over", follower.Leading)
	if got := follower.Claim(ctx, "ddns/home.example.com/A", "81.2.69.142"); got != feature.Act {
		t.Errorf("new leader's claim: %s, want act", got)
	}

	st, err := ReadStatus(ctx, config.Leader{Etcd: etcd.Endpoints(), TTL: 2 * time.Second, Prefix: "/homefleet/"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Leader() != follower.cfg.Name {
		t.Errorf("status names leader %q, want %s:\n%s", st.Leader(), follower.cfg.Name, st)
	}
	if c := st.Duties["schedule/backup/job"]; c.Occasion != "2026-12-08T02:00:00Z" || c.By != lead.cfg.Name || c.Revision != term.rev {
		t.Errorf("journaled duty %+v, want the 2026-12-08 window by %s under revision %d", c, lead.cfg.Name, term.rev)
	}
	if out := st.String(); !strings.Contains(out, "leader:  "+follower.cfg.Name) || !strings.Contains(out, "ddns/home.example.com/A") {
		t.Errorf("status text:\n%s", out)
	}
}

// A clean stop revokes the lease: the follower leads at once, well
// before the TTL (60 s here) would have let it.
func TestCleanStopHandsOver(t *testing.T) {
	etcd := testetcd.Start(t, 1)
	a := startMember(t, "hub-a", etcd.Endpoints(), time.Minute)
	b := startMember(t, "hub-b", etcd.Endpoints(), time.Minute)
	lead, rest := leaderOf(t, 10*time.Second, a, b)
	lead.stop()
	eventually(t, 20*time.Second, "the follower leads after a clean stop", rest[0].Leading)
}
