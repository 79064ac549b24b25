package agent

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/homefleet/homefleet/agent/collect/host/hosttest"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

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
	a.command(ctx, command{verb: "run/backup", payload: []byte(`{"id":"b1"}`)})
	a.command(ctx, command{verb: "run/backup", payload: []byte("PRESS")}) // already running
	a.command(ctx, command{verb: "run/rm-rf", payload: []byte("PRESS")})  // not in the config
	a.command(ctx, command{verb: "run/broken", payload: []byte("PRESS")})
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
