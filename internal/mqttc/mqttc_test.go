package mqttc

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/testbroker"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

func TestBackoff(t *testing.T) {
	lo, hi := time.Second, 60*time.Second
	for attempt := range 20 {
		ceil := min(hi, lo<<min(attempt, 10))
		for range 200 {
			d := backoff(attempt, lo, hi)
			if d < lo || d > ceil {
				t.Fatalf("attempt %d: %s outside [%s, %s]", attempt, d, lo, ceil)
			}
		}
	}
	// Full jitter: late attempts spread over the whole range, not bunched at the cap.
	var below int
	for range 1000 {
		if backoff(30, lo, hi) < hi/2 {
			below++
		}
	}
	if below < 300 || below > 700 {
		t.Errorf("want about half the waits below cap/2, got %d of 1000", below)
	}
}

func mqttCfg(url string) config.MQTT {
	m := config.MQTT{URL: url, BackoffMin: 50 * time.Millisecond, BackoffMax: time.Second, FirstConnect: 2 * time.Second}
	a := config.Agent{MQTT: m}
	a.SetDefaults()
	return a.MQTT
}

// roundTrip connects, subscribes, publishes to itself and disconnects.
func roundTrip(t *testing.T, m config.MQTT) {
	t.Helper()
	got := make(chan string, 1)
	c, err := New(Options{MQTT: m, ClientID: "rt-" + t.Name(), StatusTopic: "homefleet/rt/status"})
	if err != nil {
		t.Fatal(err)
	}
	c.Subscribe("homefleet/rt/echo", func(_ string, p []byte, _ bool) error { got <- string(p); return nil })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for !c.Connected() && time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("run ended: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	time.Sleep(100 * time.Millisecond) // subscription settles
	if err := c.Publish(ctx, "homefleet/rt/echo", []byte("hi"), false); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-got:
		if p != "hi" {
			t.Errorf("got %q", p)
		}
	case <-time.After(5 * time.Second):
		t.Error("no echo")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("clean stop returned %v", err)
	}
	if err := c.Publish(context.Background(), "x", nil, false); !errors.Is(err, ErrNotConnected) {
		t.Errorf("publish after stop: want ErrNotConnected, got %v", err)
	}
}

func TestRoundTripEmbedded(t *testing.T) {
	roundTrip(t, mqttCfg(testbroker.Embedded(t).URL()))
}

// TestReconnectAtOnce: after a resume the session is dropped and opened
// again without waiting for a backoff, and the birth message goes out.
func TestReconnectAtOnce(t *testing.T) {
	b := testbroker.Embedded(t)
	cfg := mqttCfg(b.URL())
	cfg.BackoffMin, cfg.BackoffMax = 10*time.Minute, 20*time.Minute // a backoff would never end in this test
	connects := make(chan struct{}, 4)
	c, err := New(Options{MQTT: cfg, ClientID: "kick", StatusTopic: "homefleet/kick/status", OnConnect: func() { connects <- struct{}{} }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	select {
	case <-connects:
	case <-time.After(5 * time.Second):
		t.Fatal("no first connection")
	}
	c.Reconnect()
	select {
	case <-connects: // at once: any backoff would be 10 minutes or more
	case <-time.After(time.Minute):
		t.Fatal("no reconnection after Reconnect (did it wait for a backoff?)")
	}
	cancel()
	if err := <-done; err != nil {
		t.Error(err)
	}
}
