package agent

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/homefleet/homefleet/agent/collect/host/hosttest"
	"github.com/homefleet/homefleet/agent/power"
	"github.com/homefleet/homefleet/agent/power/powertest"
	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/internal/config"
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
			a.command(ctx, command{verb: tt.verb, payload: []byte(tt.payload)})
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
