package ddns

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// recorder is a fake provider that records every write and answers
// from a script of errors (nil once the script is used up).
type recorder struct {
	calls  []string
	script []error
}

func (r *recorder) Update(_ context.Context, rec Record, a netip.Addr) error {
	r.calls = append(r.calls, rec.Key()+"="+a.String())
	if len(r.script) == 0 {
		return nil
	}
	err := r.script[0]
	r.script = r.script[1:]
	return err
}

// zone is a fake authoritative view: it serves what was written after
// lag verifications, or a fixed wrong answer.
type zone struct {
	asked int
	lag   int
	wrong bool
}

func (z *zone) Verify(_ context.Context, _ Record, want netip.Addr) error {
	z.asked++
	if z.wrong || z.asked <= z.lag {
		return fmt.Errorf("%w: want %s", ErrMismatch, want)
	}
	return nil
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time              { return c.t }
func (c *clock) add(d time.Duration)         { c.t = c.t.Add(d) }
func noJitter(d time.Duration) time.Duration { return d }

type savedStates map[string]State

func (s savedStates) SaveDDNS(_ context.Context, key string, st State) error {
	s[key] = st
	return nil
}

var (
	ip1 = netip.MustParseAddr("81.2.69.142")
	ip2 = netip.MustParseAddr("81.2.69.200")
	rec = Record{Name: "home.example.com", Zone: "example.com", Type: "A", TTL: 300, Provider: "p", Verify: true}
)

func setup(p Provider, z Verifier, st State, hash string) (*Manager, *clock, *[]Event, savedStates) {
	c := &clock{t: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
	var evs []Event
	saved := savedStates{}
	m := New([]Binding{{Record: rec, Provider: p, Hash: hash, State: st}}, z, saved, Options{
		Now: c.now, Jitter: noJitter, OnEvent: func(_ context.Context, e Event) { evs = append(evs, e) },
		VerifyInterval: 10 * time.Minute, VerifyTimeout: time.Minute, MaxBackoff: time.Hour,
	})
	return m, c, &evs, saved
}

func kinds(evs []Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Kind)
	}
	return out
}

func TestWritesOnlyOnChange(t *testing.T) {
	p := &recorder{}
	m, c, evs, saved := setup(p, &zone{}, State{}, "h")
	m.Step(context.Background()) // no address known: nothing written
	m.SetAddr(4, ip1)
	m.Step(context.Background())
	m.SetAddr(4, ip1)
	c.add(time.Hour)
	m.Step(context.Background())
	if len(p.calls) != 1 {
		t.Fatalf("calls %v, want one write", p.calls)
	}
	if got := saved[rec.Key()]; got.Pushed != ip1 || !got.InSync {
		t.Errorf("stored %+v", got)
	}
	// A restart with the stored state writes nothing for the same address.
	p2 := &recorder{}
	m2, _, _, _ := setup(p2, &zone{}, saved[rec.Key()], "h")
	m2.SetAddr(4, ip1)
	m2.Step(context.Background())
	if len(p2.calls) != 0 {
		t.Errorf("after restart: %v", p2.calls)
	}
	if fmt.Sprint(kinds(*evs)) != "[updated verified]" {
		t.Errorf("events %v", kinds(*evs))
	}
}

func TestDisabledUntilConfigChanges(t *testing.T) {
	p := &recorder{script: []error{fmt.Errorf("%w: badauth", ErrDisabled)}}
	m, c, evs, saved := setup(p, &zone{}, State{}, "h1")
	m.SetAddr(4, ip1)
	m.Step(context.Background())
	m.SetAddr(4, ip2)
	c.add(24 * time.Hour)
	m.Step(context.Background())
	if len(p.calls) != 1 || saved[rec.Key()].Disabled == "" {
		t.Fatalf("calls %v state %+v", p.calls, saved[rec.Key()])
	}
	if fmt.Sprint(kinds(*evs)) != "[disabled]" {
		t.Errorf("events %v", kinds(*evs))
	}
	// Update DDNS now on the disabled record sends nothing and says why.
	m.Force(context.Background())
	m.Step(context.Background())
	st := m.States()[0].State
	if len(p.calls) != 1 || fmt.Sprint(kinds(*evs)) != "[disabled refused]" || !strings.Contains(st.Note, "nothing sent") || !strings.Contains(st.Note, "badauth") {
		t.Errorf("Update now on a disabled record: calls %v events %v note %q", p.calls, kinds(*evs), st.Note)
	}
	same, _, _, _ := setup(p, &zone{}, saved[rec.Key()], "h1")
	same.SetAddr(4, ip2)
	same.Step(context.Background())
	changed, _, _, _ := setup(p, &zone{}, saved[rec.Key()], "h2")
	changed.SetAddr(4, ip2)
	changed.Step(context.Background())
	if len(p.calls) != 2 {
		t.Errorf("calls %v: want one more write only after the config changed", p.calls)
	}
}

func TestBackoffAndRetryAfter(t *testing.T) {
	boom := errors.New("connection reset")
	p := &recorder{script: []error{boom, boom, &RetryAfterError{After: 2 * time.Hour, Err: boom}, boom}}
	m, c, _, _ := setup(p, &zone{}, State{}, "h")
	m.SetAddr(4, ip1)
	var at []time.Time
	for len(p.calls) < 5 {
		n := len(p.calls)
		next := m.Step(context.Background())
		if len(p.calls) > n {
			at = append(at, c.t)
		}
		c.t = next
	}
	var gaps []time.Duration
	for i := 1; i < len(at); i++ {
		gaps = append(gaps, at[i].Sub(at[i-1]))
	}
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Hour, 4 * time.Minute}
	if fmt.Sprint(gaps) != fmt.Sprint(want) {
		t.Errorf("gaps between writes %v, want %v", gaps, want)
	}
}

func TestMinInterval(t *testing.T) {
	p := &recorder{}
	m, c, _, _ := setup(p, &zone{}, State{}, "h")
	m.entries[0].rec.MinInterval = 10 * time.Minute
	m.SetAddr(4, ip1)
	m.Step(context.Background())
	c.add(time.Minute)
	m.SetAddr(4, ip2)
	next := m.Step(context.Background())
	if len(p.calls) != 1 || next.Sub(c.t) != 9*time.Minute {
		t.Fatalf("calls %v next in %v", p.calls, next.Sub(c.t))
	}
	c.t = next
	m.Step(context.Background())
	if len(p.calls) != 2 {
		t.Errorf("calls %v", p.calls)
	}
}

func TestVerifyEscalates(t *testing.T) {
	p := &recorder{}
	z := &zone{lag: 2}
	m, c, evs, saved := setup(p, z, State{}, "h")
	m.SetAddr(4, ip1)
	for next := m.Step(context.Background()); !saved[rec.Key()].InSync; next = m.Step(context.Background()) {
		c.t = next
	}
	if st := saved[rec.Key()]; st.PropagationMS != 600 { // polled at +0, +200 ms, +600 ms
		t.Errorf("propagation %d ms, want 600", st.PropagationMS)
	}
	z.wrong = true // someone changed the record behind our back
	for range 3 {
		c.add(10 * time.Minute)
		m.Step(context.Background())
	}
	if got := fmt.Sprint(kinds(*evs)); got != "[updated verified mismatch updated]" {
		t.Errorf("events %s, want a mismatch event at the second and a re-push at the third", got)
	}
	if len(p.calls) != 2 {
		t.Errorf("calls %v", p.calls)
	}
}

func TestForce(t *testing.T) {
	p := &recorder{}
	z := &zone{}
	m, c, _, _ := setup(p, z, State{}, "h")
	m.SetAddr(4, ip1)
	m.Step(context.Background())
	c.add(time.Minute)
	m.Step(context.Background()) // verified
	m.Force(context.Background())
	m.Step(context.Background())
	if len(p.calls) != 1 {
		t.Errorf("in sync: Update now must not write again, calls %v", p.calls)
	}
	z.wrong = true
	m.Force(context.Background())
	m.Step(context.Background())
	if len(p.calls) != 2 {
		t.Errorf("out of sync: Update now must write at once, calls %v", p.calls)
	}
	unverified, _, _, _ := setup(p, z, State{}, "h")
	unverified.entries[0].rec.Verify = false
	unverified.SetAddr(4, ip1)
	unverified.Step(context.Background())
	unverified.Force(context.Background())
	unverified.Step(context.Background())
	if len(p.calls) != 4 {
		t.Errorf("unverified record: Update now writes, calls %v", p.calls)
	}
}

// TestZoneFoundBeforeWriting: a record without a zone waits for the SOA
// lookup; a failed one writes nothing and says which record to fix.
func TestZoneFoundBeforeWriting(t *testing.T) {
	p := &recorder{}
	bare := rec
	bare.Zone = ""
	var found error = errors.New("NXDOMAIN")
	c := &clock{t: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
	m := New([]Binding{{Record: bare, Provider: p, Hash: "h"}}, &zone{}, savedStates{}, Options{
		Now: c.now, Jitter: noJitter, OnEvent: func(context.Context, Event) {},
		FindZone: func(_ context.Context, name string, _ []string) (string, error) {
			if found != nil {
				return "", found
			}
			return "example.com", nil
		},
	})
	m.SetAddr(4, ip1)
	m.Step(context.Background())
	if st := m.States()[0].State; len(p.calls) != 0 || !strings.Contains(st.LastError, "record "+rec.Name+": no zone found") {
		t.Fatalf("calls %v, last error %q", p.calls, st.LastError)
	}
	found = nil
	c.add(zoneRetry)
	m.Step(context.Background())
	if b := m.States()[0]; len(p.calls) != 1 || b.Record.Zone != "example.com" || b.State.LastError != "" {
		t.Errorf("after the zone was found: calls %v record %+v", p.calls, b)
	}
}
