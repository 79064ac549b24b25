// The commands the hub and HA send: power verbs, jobs, wake relays.

package agent

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/homefleet/homefleet/agent/collect/host/hosttest"
	"github.com/homefleet/homefleet/agent/power"
	"github.com/homefleet/homefleet/agent/power/powertest"
	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/netid"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

func powerAgent(rec *powertest.Recorder, allow ...string) (*Agent, *recorder) {
	now := hosttest.Start
	return newTestAgent(hosttest.NewFake(), &now, func(c *config.Agent, d *Deps) {
		c.Power.Allow, d.Power = allow, rec
	})
}

func TestPowerVerbs(t *testing.T) {
	ctx := context.Background()
	sc := topic.Default()
	tests := []struct {
		name      string
		allow     []string
		offered   map[power.Verb]bool
		inhibitor string
		verb      string
		payload   string
		wantDone  string
		reason    string
	}{
		{"not allowed", nil, map[power.Verb]bool{power.Shutdown: true}, "", "shutdown", "PRESS", "", "power.allow"},
		{"allowed, not offered", []string{"hibernate"}, map[power.Verb]bool{}, "", "hibernate", "PRESS", "", "does not offer"},
		{"inhibited", []string{"sleep"}, map[power.Verb]bool{power.Sleep: true}, "rsync (copying)", "sleep", "PRESS", "", "rsync (copying)"},
		{"inhibited but forced", []string{"sleep"}, map[power.Verb]bool{power.Sleep: true}, "rsync (copying)", "sleep", `{"force":true}`, "sleep", ""},
		{"allowed and offered", []string{"reboot"}, map[power.Verb]bool{power.Reboot: true}, "", "reboot", "PRESS", "reboot", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &powertest.Recorder{Offered: tt.offered, Inhibitor: tt.inhibitor}
			a, pub := powerAgent(rec, tt.allow...)
			deliver(ctx, a, command{verb: tt.verb, payload: []byte(tt.payload)})
			if got := strings.Join(rec.Done, ","); got != tt.wantDone {
				t.Errorf("done %q, want %q", got, tt.wantDone)
			}
			msgs := pub.take()
			var e wire.Event
			_ = json.Unmarshal(msgs[len(msgs)-1].Payload, &e)
			if (tt.reason == "") != e.OK || !strings.Contains(e.Reason, tt.reason) {
				t.Errorf("event %+v, want reason %q", e, tt.reason)
			}
			var statuses []string
			for _, m := range msgs {
				if m.Topic == sc.Status(testID) {
					statuses = append(statuses, string(m.Payload))
				}
			}
			switch {
			case tt.wantDone != "" && strings.Join(statuses, ",") != "offline":
				t.Errorf("before the action the agent must say offline, said %v", statuses)
			case tt.inhibitor != "" && tt.wantDone == "" && strings.Join(statuses, ",") != "offline,online":
				t.Errorf("a refused action must end online again, said %v", statuses)
			}
		})
	}
}

func TestPowerButtonsOnlyForAllowedAndOffered(t *testing.T) {
	rec := &powertest.Recorder{Offered: map[power.Verb]bool{power.Sleep: true, power.Reboot: true}}
	a, pub := powerAgent(rec, "sleep", "shutdown")
	a.publishAll(context.Background())
	for _, m := range pub.take() {
		if m.Topic != topic.Default().Discovery(testID) {
			continue
		}
		var p discovery.Payload
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			t.Fatal(err)
		}
		_, sleep := p.Components["sleep"]
		_, shutdown := p.Components["shutdown"]
		_, reboot := p.Components["reboot"]
		if !sleep || shutdown || reboot {
			t.Errorf("buttons: sleep %v shutdown %v reboot %v; want only sleep", sleep, shutdown, reboot)
		}
		return
	}
	t.Fatal("no discovery published")
}

func TestResumeReconnects(t *testing.T) {
	now := hosttest.Start
	kicked := 0
	a, _ := newTestAgent(hosttest.NewFake(), &now)
	a.power.reconnect = func() { kicked++ }
	for range 3 {
		now = now.Add(10 * time.Second)
		a.noticeResume(context.Background())
	}
	if kicked != 0 {
		t.Fatalf("reconnected without a resume")
	}
	now = now.Add(2 * time.Hour) // the machine slept
	a.noticeResume(context.Background())
	if kicked != 1 {
		t.Errorf("reconnect calls %d after a 2 h jump, want 1", kicked)
	}
}

func jobEvents(rec *recorder) []wire.Event {
	var out []wire.Event
	for _, m := range rec.take() {
		if m.Topic != topic.Default().Event(testID) {
			continue
		}
		var e wire.Event
		_ = json.Unmarshal(m.Payload, &e)
		out = append(out, e)
	}
	return out
}

func TestJobs(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	now := time.Now()
	a, rec := newTestAgent(hosttest.NewFake(), &now, func(c *config.Agent, _ *Deps) {
		c.Jobs = map[string]config.Job{
			"backup": {Command: []string{"sh", "-c", "sleep 0.2"}, Timeout: time.Minute},
			"broken": {Command: []string{"sh", "-c", "echo disk full >&2; exit 3"}, Timeout: time.Minute},
		}
	})
	deliver(ctx, a, command{verb: "run/backup", payload: []byte(`{"id":"b1"}`)})
	deliver(ctx, a, command{verb: "run/backup", payload: []byte("PRESS")}) // already running
	deliver(ctx, a, command{verb: "run/rm-rf", payload: []byte("PRESS")})  // not in the config
	deliver(ctx, a, command{verb: "run/broken", payload: []byte("PRESS")})
	if got := a.jobs.runningJobs(); len(got) == 0 {
		t.Error("a running job must keep the machine awake")
	}
	a.jobs.wg.Wait()
	var reasons []string
	var done []wire.Event
	for _, e := range jobEvents(rec) {
		if e.Type == "job" {
			done = append(done, e)
		} else {
			reasons = append(reasons, e.Reason)
		}
	}
	joined := strings.Join(reasons, "|")
	if !strings.Contains(joined, `"backup" is already running`) || !strings.Contains(joined, `"rm-rf" is not defined`) {
		t.Errorf("refusals: %v", reasons)
	}
	if len(done) != 2 {
		t.Fatalf("job results %+v", done)
	}
	for _, e := range done {
		switch e.Verb {
		case "run/backup":
			if !e.OK || e.ID != "b1" || e.LatencyMS < 150 {
				t.Errorf("backup: %+v", e)
			}
		case "run/broken":
			if e.OK || !strings.Contains(e.Reason, "disk full") {
				t.Errorf("broken: %+v", e)
			}
		}
	}
}

type sentTo struct{ addrs []string }

func (s *sentTo) Send(addr string, _ net.HardwareAddr, _ []byte) error {
	s.addrs = append(s.addrs, addr)
	return nil
}

func TestRelayWake(t *testing.T) {
	snd := &sentTo{}
	now := time.Now()
	a, _ := newTestAgent(hosttest.NewFake(), &now, func(_ *config.Agent, d *Deps) {
		d.Collectors.Net = func() ([]netid.Interface, error) {
			return []netid.Interface{{Name: "eth0", MAC: "02:00:00:00:00:01", Broadcast: []string{"192.168.5.255"}}}, nil
		}
		d.Relay = snd
	})
	ctx := context.Background()
	if err := a.relayWake(ctx, wire.Command{MAC: "02:11:22:33:44:55", Broadcast: "192.168.5.255"}); err != nil {
		t.Fatal(err)
	}
	if len(snd.addrs) != 3 || snd.addrs[0] != "192.168.5.255:9" {
		t.Errorf("sent to %v", snd.addrs)
	}
	for _, bad := range []wire.Command{
		{MAC: "02:11:22:33:44:55", Broadcast: "8.8.8.255"}, // not this machine's subnet
		{MAC: "nope", Broadcast: "192.168.5.255"},
	} {
		if err := a.relayWake(ctx, bad); !errors.Is(err, ErrRelay) {
			t.Errorf("%+v: want ErrRelay, got %v", bad, err)
		}
	}
}

// TestStateListsWhatIsAllowed: the state says which power verbs work
// (allowed and offered) and which jobs exist, so HA shows only working
// buttons; with nothing allowed both lists are empty, not absent.
func TestStateListsWhatIsAllowed(t *testing.T) {
	ctx := context.Background()
	rec := &powertest.Recorder{Offered: map[power.Verb]bool{power.Sleep: true, power.Reboot: true}}
	now := hosttest.Start
	a, pub := newTestAgent(hosttest.NewFake(), &now, func(c *config.Agent, d *Deps) {
		c.Power.Allow, d.Power = []string{"sleep", "shutdown"}, rec
		c.Jobs = map[string]config.Job{"backup": {Command: []string{"true"}}, "scrub": {Command: []string{"true"}}}
	})
	a.publishAll(ctx) // the first state, as on connect
	var st wire.State
	for _, m := range pub.take() {
		if m.Topic == topic.Default().State(testID) {
			st, _ = wire.DecodeState(m.Payload)
		}
	}
	if strings.Join(st.Allowed.Power, ",") != "sleep" || strings.Join(st.Allowed.Jobs, ",") != "backup,scrub" {
		t.Errorf("allowed %+v, want power [sleep] and jobs [backup scrub]", st.Allowed)
	}
	b, _ := newTestAgent(hosttest.NewFake(), &now)
	b.publishAll(ctx)
	if js, _ := json.Marshal(b.read.cur.Allowed); string(js) != `{"power":[],"jobs":[]}` {
		t.Errorf("nothing allowed: %s", js)
	}
}

// lastState is the running list of the last state the agent published.
func lastRunning(t *testing.T, rec *recorder) []string {
	t.Helper()
	var st *wire.State
	for _, m := range rec.take() {
		if m.Topic == topic.Default().State(testID) {
			st = &wire.State{}
			if err := json.Unmarshal(m.Payload, st); err != nil {
				t.Fatal(err)
			}
		}
	}
	if st == nil {
		t.Fatal("no state published")
	}
	return st.Running
}

// HA's "<job> running" sensor reads the state's running list: a started
// job is in the state published at once, and its end wakes the main loop
// to publish the state without it.
func TestRunningJobsAreInTheState(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	now := time.Now()
	release := filepath.Join(t.TempDir(), "release")
	a, rec := newTestAgent(hosttest.NewFake(), &now, func(c *config.Agent, _ *Deps) {
		c.Jobs = map[string]config.Job{"backup": {Command: []string{"sh", "-c", "while [ ! -e " + release + " ]; do sleep 0.02; done"}, Timeout: time.Minute}}
	})
	deliver(ctx, a, command{verb: "run/backup", payload: []byte("PRESS")})
	if got := lastRunning(t, rec); !slices.Equal(got, []string{"backup"}) {
		t.Fatalf("state while the job runs lists %q running, want [backup]", got)
	}
	if err := os.WriteFile(release, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	<-a.jobs.ended // what the main loop selects on
	a.publishState(ctx, now)
	if got := lastRunning(t, rec); got != nil {
		t.Fatalf("state after the job lists %q running", got)
	}
}
