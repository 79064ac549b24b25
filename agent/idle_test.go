package agent

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/homefleet/homefleet/agent/collect/host/hosttest"
	"github.com/homefleet/homefleet/agent/collect/idle"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

type sessions struct{ n int }

func (s *sessions) Name() string { return "smb" }
func (s *sessions) Active(context.Context) ([]string, error) {
	if s.n == 0 {
		return nil, nil
	}
	return []string{"2 SMB sessions from 192.168.1.20"}, nil
}

func lastState(t *testing.T, msgs []testbroker.Message) wire.State {
	t.Helper()
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Topic == topic.Default().State(testID) {
			var s wire.State
			if err := json.Unmarshal(msgs[i].Payload, &s); err != nil {
				t.Fatal(err)
			}
			return s
		}
	}
	t.Fatal("no state published")
	return wire.State{}
}

func TestIdle(t *testing.T) {
	ctx := context.Background()
	now := hosttest.Start
	smb := &sessions{n: 2}
	a, rec := newTestAgent(hosttest.NewFake(), &now, func(c *config.Agent, d *Deps) {
		d.Collectors.Idle = []idle.Check{smb}
		c.Idle = config.Idle{Interval: time.Minute, DiskBps: 1 << 30, NetBps: 1 << 30}
	})
	a.cycle(ctx, false)
	if s := lastState(t, rec.take()); s.Idle != nil {
		t.Fatalf("idle decided before any rate exists: %+v", s.Idle)
	}
	now = now.Add(10 * time.Second)
	a.cycle(ctx, false) // the first rates: idle is decided at once
	s := lastState(t, rec.take())
	if s.Idle == nil || s.Idle.Idle || s.Idle.Reasons[0] != "2 SMB sessions from 192.168.1.20" {
		t.Fatalf("with sessions: %+v", s.Idle)
	}
	smb.n = 0
	for i := 1; i <= 20; i++ { // 20 cycles of 10 s without sessions
		now = now.Add(10 * time.Second)
		a.cycle(ctx, false)
	}
	s = lastState(t, rec.take())
	if !s.Idle.Idle || s.Idle.ForMin < 1 {
		t.Errorf("idle after the sessions ended: %+v", s.Idle)
	}
	// HA's keep-awake switch blocks idle at once.
	deliver(ctx, a, command{verb: "keep_awake", payload: []byte("ON")})
	s = lastState(t, rec.take())
	if s.Idle.Idle || !s.Idle.KeepAwake || s.Idle.Reasons[0] != "keep-awake switch on" {
		t.Errorf("keep awake: %+v", s.Idle)
	}
	deliver(ctx, a, command{verb: "keep_awake", payload: []byte("maybe")})
	msgs := rec.take()
	var e wire.Event
	_ = json.Unmarshal(msgs[len(msgs)-1].Payload, &e)
	if e.OK || !strings.Contains(e.Reason, "ON or OFF") {
		t.Errorf("bad switch payload: %+v", e)
	}
}

func TestIdleThroughput(t *testing.T) {
	now := hosttest.Start
	a, rec := newTestAgent(hosttest.NewFake(), &now, func(c *config.Agent, d *Deps) {
		d.Collectors.Idle = []idle.Check{}
		c.Idle = config.Idle{Interval: time.Minute, DiskBps: 1 << 20, NetBps: 256 << 10}
	})
	a.cycle(context.Background(), false) // first cycle: no rates yet
	now = now.Add(time.Minute)
	a.cycle(context.Background(), false) // the fixture moves 12 MB/s disk, 1.4 MB/s network
	s := lastState(t, rec.take())
	if s.Idle.Idle || len(s.Idle.Reasons) != 2 || !strings.HasPrefix(s.Idle.Reasons[0], "disk I/O") {
		t.Errorf("busy disks and network must block idle: %+v", s.Idle)
	}
}

// TestFirstStateHasNoRates: before a second reading nothing is known of
// CPU, disk and network rates or idle: they are absent (HA: unknown), not
// 0 % and idle.
func TestFirstStateHasNoRates(t *testing.T) {
	now := hosttest.Start
	a, rec := newTestAgent(hosttest.NewFake(), &now, func(c *config.Agent, d *Deps) {
		d.Collectors.Idle = []idle.Check{}
		c.Idle = config.Idle{Interval: time.Minute, DiskBps: 1 << 30, NetBps: 1 << 30}
	})
	a.cycle(context.Background(), false)
	msgs := rec.take()
	s := lastState(t, msgs)
	raw := string(msgs[len(msgs)-1].Payload)
	if s.CPU != nil || s.Idle != nil || s.IO["sda"].Read != nil || s.Net["eth0"].Rx != nil || strings.Contains(raw, `"cpu"`) {
		t.Errorf("first state claims readings it cannot have: %s", raw)
	}
	if len(s.IO) == 0 || len(s.Net) == 0 {
		t.Error("the disks and interfaces must be there (their entities exist), without values")
	}
	now = now.Add(10 * time.Second)
	a.cycle(context.Background(), false)
	s = lastState(t, rec.take())
	if s.CPU == nil || *s.CPU != 25 || s.Idle == nil || s.IO["sda"].Read == nil {
		t.Errorf("second state: cpu %v idle %+v io %+v", s.CPU, s.Idle, s.IO["sda"])
	}
}
