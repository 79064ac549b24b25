package service

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) add(e string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

type part struct {
	name    string
	rec     *recorder
	fail    error
	started chan struct{}
}

func (p *part) Name() string { return p.name }

func (p *part) Run(ctx context.Context) error {
	close(p.started)
	if p.fail != nil {
		return p.fail
	}
	<-ctx.Done()
	p.rec.add("stop " + p.name)
	return nil
}

func (p *part) Announce() { p.rec.add("announce " + p.name) }

func parts(rec *recorder, names ...string) ([]Service, []*part) {
	var s []Service
	var ps []*part
	for _, n := range names {
		p := &part{name: n, rec: rec, started: make(chan struct{})}
		s, ps = append(s, p), append(ps, p)
	}
	return s, ps
}

// TestGroupStopsInReverse: the last service started stops first.
func TestGroupStopsInReverse(t *testing.T) {
	rec := &recorder{}
	s, ps := parts(rec, "broker", "store", "mqtt", "fleet")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- NewGroup(nil, s...).Run(ctx) }()
	for _, p := range ps {
		<-p.started
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := rec.all(); !slices.Equal(got, []string{"stop fleet", "stop mqtt", "stop store", "stop broker"}) {
		t.Errorf("stopped in order %v", got)
	}
}

// TestGroupFailureStopsAll: one service's error stops the others and
// comes back naming it.
func TestGroupFailureStopsAll(t *testing.T) {
	rec := &recorder{}
	s, ps := parts(rec, "a", "b")
	boom := errors.New("boom")
	ps[1].fail = boom
	err := NewGroup(nil, s...).Run(context.Background())
	if !errors.Is(err, boom) || err.Error() != "b: boom" {
		t.Errorf("err %v", err)
	}
	if got := rec.all(); !slices.Equal(got, []string{"stop a"}) {
		t.Errorf("events %v", got)
	}
}

// TestAnnounce: every announcer republishes once per call, at once after a
// connect and within the spread after HA's birth; garbage on HA's status
// topic is an error, HA going offline is not.
func TestAnnounce(t *testing.T) {
	rec := &recorder{}
	s, _ := parts(rec, "a", "b")
	g := NewGroup(nil, append(s, Func("plain", func(context.Context) error { return nil }))...)
	g.Announce()
	if got := rec.all(); !slices.Equal(got, []string{"announce a", "announce b"}) {
		t.Errorf("after a connect: %v", got)
	}
	birth := g.HABirth(10 * time.Millisecond)
	if err := birth("homeassistant/status", []byte("offline"), false); err != nil {
		t.Error(err)
	}
	if err := birth("homeassistant/status", []byte("\x00garbage"), false); err == nil {
		t.Error("garbage accepted")
	}
	if err := birth("homeassistant/status", []byte("online"), false); err != nil {
		t.Error(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(rec.all()) < 4 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	got := rec.all()[2:]
	slices.Sort(got)
	if !slices.Equal(got, []string{"announce a", "announce b"}) {
		t.Errorf("after HA's birth: %v", rec.all())
	}
}

func TestEnqueue(t *testing.T) {
	ch := make(chan int, 1)
	if err := Enqueue(ch, 1, "one"); err != nil {
		t.Fatal(err)
	}
	if err := Enqueue(ch, 2, "two"); !errors.Is(err, ErrQueueFull) || err.Error() != "queue full: two dropped" {
		t.Errorf("full queue: %v", err)
	}
}
