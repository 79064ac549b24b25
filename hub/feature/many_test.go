package feature

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
	"github.com/homefleet/homefleet/internal/mqttc"
)

// gatedSession holds every publish until the gate opens (or the
// publish's ctx ends) and keeps the topics that were published.
type gatedSession struct {
	gate    chan struct{}
	mu      sync.Mutex
	waiting int
	sent    []string
	arrived chan struct{}
}

func (s *gatedSession) Publish(ctx context.Context, topic string, _ []byte, _ bool) error {
	s.mu.Lock()
	s.waiting++
	s.mu.Unlock()
	s.arrived <- struct{}{}
	select {
	case <-s.gate:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, topic)
	return nil
}

func (s *gatedSession) Subscribe(string, mqttc.Handler) {}

func batch(prefix string, n int) ([]Outgoing, map[int]string) {
	msgs, keys := make([]Outgoing, n), map[int]string{}
	for i := range msgs {
		msgs[i] = Outgoing{Topic: fmt.Sprintf("%s/%d", prefix, i), V: i}
		keys[i] = msgs[i].Topic
	}
	return msgs, keys
}

// TestRepublishSupersedesTheRunningOne: HA's birth while the republish
// after a connect is still out: the first one stops, nothing of it is
// published later or reported, and the second reports every document.
func TestRepublishSupersedesTheRunningOne(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	s := &gatedSession{gate: make(chan struct{}), arrived: make(chan struct{}, 64)}
	e := Env{Session: s, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	r := NewRepublisher[string]()
	r.over = 0
	first, firstKeys := batch("connect", 10)
	r.Start(ctx, e, first, firstKeys)
	for range first { // every document of the first one is in flight
		<-s.arrived
	}
	second, secondKeys := batch("birth", 10)
	r.Start(ctx, e, second, secondKeys)
	for range second {
		<-s.arrived
	}
	close(s.gate)
	got := <-r.Done()
	cancel()
	r.Wait()
	if len(got) != len(second) {
		t.Errorf("the republish reported %d documents, want the second one's %d: %v", len(got), len(second), got)
	}
	for k, ok := range got {
		if !strings.HasPrefix(k, "birth/") || !ok {
			t.Errorf("reported %s=%v, want only the second republish's documents, each sent", k, ok)
		}
	}
	select {
	case late := <-r.Done():
		t.Errorf("the superseded republish reported too: %v", late)
	default:
	}
	for _, tp := range s.sent {
		if strings.HasPrefix(tp, "connect/") {
			t.Errorf("%s was published after a newer republish began", tp)
		}
	}
}
