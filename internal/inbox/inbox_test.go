package inbox

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/internal/service"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func testInbox(c *clock) (*Inbox, *[]Command) {
	var got []Command
	in := New(Options{Scheme: topic.Default(), Now: c.now, Arrival: c.now, Devices: []string{"nas"}})
	take := func(cmd Command) error { got = append(got, cmd); return nil }
	in.On("nas", "refresh", Press, take)
	in.On("nas", "keep_awake", Switch, take)
	in.On("nas", "run/", Press, take)
	in.On("nas", "wake", Press, nil) // the hub's
	in.On("nas", "full", Press, func(Command) error { return service.ErrQueueFull })
	return in, &got
}

func TestAdmission(t *testing.T) {
	c := &clock{time.Unix(1_800_000_000, 0)}
	sc := topic.Default()
	ts := strconv.FormatInt(c.t.Unix(), 10)
	for _, tt := range []struct {
		name, verb, payload string
		retained            bool
		want                error // nil: admitted
	}{
		{"press", "refresh", "PRESS", false, nil},
		{"json", "refresh", `{"id":"a","ts":` + ts + `}`, false, nil},
		{"job", "run/backup", "PRESS", false, nil},
		{"switch", "keep_awake", "ON", false, nil},
		{"retained", "refresh", "PRESS", true, wire.ErrRetained},
		{"oversize", "refresh", strings.Repeat(" ", mqttc.MaxPayload+1), false, ErrTooLarge},
		{"not utf-8", "refresh", "\xff\xfe", false, ErrNotUTF8},
		{"malformed", "refresh", `{"id":`, false, wire.ErrMalformed},
		{"unknown field", "refresh", `{"cmd":"rm -rf /"}`, false, wire.ErrMalformed},
		{"wrong type", "refresh", `[1,2]`, false, wire.ErrMalformed},
		{"stale", "refresh", `{"id":"b","ts":1}`, false, wire.ErrStale},
		{"switch garbage", "keep_awake", "maybe", false, ErrNotSwitch},
		{"unknown verb", "selfdestruct", "PRESS", false, ErrUnknown},
		{"queue full", "full", "PRESS", false, service.ErrQueueFull},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in, got := testInbox(c)
			tp := sc.Command("nas", tt.verb)
			if job, ok := strings.CutPrefix(tt.verb, "run/"); ok {
				tp = sc.RunJob("nas", job)
			}
			_ = in.Handle(tp, []byte(tt.payload), tt.retained)
			refusals := due(in, c.t)
			if tt.want == nil {
				if len(*got) != 1 || len(refusals) != 0 {
					t.Fatalf("admitted %d, refused %v", len(*got), refusals)
				}
				return
			}
			if len(refusals) != 1 || !errors.Is(refusals[0].Err, tt.want) || refusals[0].Verb != tt.verb || refusals[0].Device != "nas" {
				t.Fatalf("refusals %v, want one for %s with %v", refusals, tt.verb, tt.want)
			}
			if tt.want != service.ErrQueueFull && len(*got) != 0 {
				t.Errorf("a refused command reached the handler")
			}
		})
	}
	in, got := testInbox(c)
	_ = in.Handle(sc.Command("nas", "wake"), []byte("PRESS"), false)
	_ = in.Handle(sc.Command("pc", "refresh"), []byte("{{{"), false)
	if len(*got) != 0 || len(due(in, c.t)) != 0 {
		t.Error("an ignored verb, or another device's command, must be neither run nor refused")
	}
}

// TestRepeatsRunOnce: 20 identical presses within a second run once; the
// 19 refusals are all counted, in one immediate report and one a second
// later; 10 different commands at once run as many as the burst allows.
func TestRepeatsRunOnce(t *testing.T) {
	c := &clock{time.Unix(1_800_000_000, 0)}
	in, got := testInbox(c)
	tp := topic.Default().Command("nas", "refresh")
	counted := 0
	for range 20 {
		c.t = c.t.Add(40 * time.Millisecond)
		_ = in.Handle(tp, []byte("PRESS"), false)
		for _, r := range due(in, c.t) {
			counted += r.Count
		}
	}
	c.t = c.t.Add(2 * time.Second)
	for _, r := range due(in, c.t) {
		counted += r.Count
	}
	if len(*got) != 1 || counted != 19 {
		t.Errorf("ran %d times, %d refusals counted; want 1 and 19", len(*got), counted)
	}
	*got = nil
	for i := range 10 {
		_ = in.Handle(tp, []byte(`{"id":"x`+strconv.Itoa(i)+`"}`), false)
	}
	if len(*got) != DefaultLimit.Burst {
		t.Errorf("a burst of 10 distinct commands ran %d, want %d", len(*got), DefaultLimit.Burst)
	}
	c.t = c.t.Add(3 * time.Second)
	*got = nil
	for i := range 10 {
		_ = in.Handle(tp, []byte(`{"id":"y`+strconv.Itoa(i)+`"}`), false)
	}
	if len(*got) != 3 {
		t.Errorf("3 s later %d ran, want the 3 refilled tokens", len(*got))
	}
}

// TestRunPublishesCountedEvents: a flood of one kind becomes few events
// whose counts add up to the flood.
func TestRunPublishesCountedEvents(t *testing.T) {
	in := New(Options{Scheme: topic.Default(), Devices: []string{"nas"}})
	in.On("nas", "refresh", Press, func(Command) error { return nil })
	var mu sync.Mutex
	var events []wire.Event
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- in.Run(ctx, func(_ context.Context, device string, ev wire.Event) {
			mu.Lock()
			defer mu.Unlock()
			if device == "nas" {
				events = append(events, ev)
			}
		})
	}()
	for range 500 {
		_ = in.Handle(topic.Default().Command("nas", "refresh"), []byte("{{{"), false)
	}
	in.Oversize(topic.Default().Command("nas", "refresh"), 1<<20)
	sum := func() (n int) {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range events {
			n += e.Count
		}
		return n
	}
	deadline := time.Now().Add(20 * time.Second) // a hang guard
	for sum() < 501 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	total := 0
	for _, e := range events {
		total += e.Count
		if e.OK || e.Verb != "refresh" || e.Reason == "" {
			t.Errorf("event %+v", e)
		}
	}
	if total != 501 || len(events) > 10 {
		t.Errorf("%d events counting %d refusals; want at most a few, counting 501", len(events), total)
	}
}

// due is what the reporter would publish at now.
func due(in *Inbox, now time.Time) []Refusal {
	out, _ := in.report.take(now, false)
	return out
}
