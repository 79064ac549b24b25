package agent

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/service"
	"github.com/homefleet/homefleet/internal/wire"
)

// ErrJob refuses a job request.
var ErrJob = errors.New("job refused")

// jobs runs the jobs of the agent's config, one instance each at a time,
// in goroutines owned by the agent (they end with its context).
type jobs struct {
	defs    map[string]config.Job
	mu      sync.Mutex
	running map[string]time.Time
	wg      sync.WaitGroup
	ended   chan struct{} // a job ended: the main loop republishes the state
}

// newJobs lets the hub start the jobs of the agent's config by name
// (cmd/run/<name>).
func newJobs(defs map[string]config.Job) *jobs {
	return &jobs{defs: defs, running: map[string]time.Time{}, ended: make(chan struct{}, 1)}
}

// names are the configured jobs, sorted.
func (j *jobs) names() []string {
	names := slices.Sorted(maps.Keys(j.defs))
	if names == nil {
		return []string{}
	}
	return names
}

// wait returns once every running job ended (they end with the agent's
// context).
func (j *jobs) wait() { j.wg.Wait() }

// runningJobs is the idle reason while jobs run.
func (j *jobs) runningJobs() []string {
	var out []string
	for _, name := range j.runningNames() {
		out = append(out, "job "+name+" running")
	}
	return out
}

// runningNames are the jobs running now, sorted (nil when none).
func (j *jobs) runningNames() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.running) == 0 {
		return nil
	}
	return slices.Sorted(maps.Keys(j.running))
}

// startJob starts a configured job; its result is an event when it ends.
func (a *Agent) startJob(ctx context.Context, name string, cmd wire.Command) error {
	def, ok := a.jobs.defs[name]
	if !ok {
		return fmt.Errorf("%w: %q is not defined in this agent's config (jobs)", ErrJob, name)
	}
	j := a.jobs
	j.mu.Lock()
	if _, busy := j.running[name]; busy {
		j.mu.Unlock()
		return fmt.Errorf("%w: %q is already running", ErrJob, name)
	}
	j.running[name] = a.opts.Now()
	j.mu.Unlock()
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		start := time.Now()
		err := runJob(ctx, def)
		j.mu.Lock()
		delete(j.running, name)
		j.mu.Unlock()
		ev := wire.Event{V: 1, TS: a.opts.Now().Unix(), Type: "job", Verb: "run/" + name, ID: cmd.ID, OK: err == nil,
			LatencyMS: time.Since(start).Milliseconds()}
		if err != nil {
			ev.Reason = err.Error()
		}
		a.opts.Log.Info("job finished", "job", name, "ok", err == nil, "took", time.Since(start).Round(time.Second), "err", err)
		a.send(ctx, a.opts.Scheme.Event(a.opts.ID), ev, false)
		service.Nudge(j.ended)
	}()
	return nil
}

func runJob(ctx context.Context, def config.Job) error {
	ctx, cancel := context.WithTimeout(ctx, def.Timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, def.Command[0], def.Command[1:]...).CombinedOutput() //nolint:gosec // from the agent's own config
	if err != nil {
		tail := strings.TrimSpace(string(out))
		if len(tail) > 300 {
			tail = "…" + tail[len(tail)-300:]
		}
		if tail != "" {
			return fmt.Errorf("%w: %s", err, tail)
		}
		return err
	}
	return nil
}
