package schedule

import (
	"cmp"
	"context"
	"encoding/json"
	"time"
)

// runNS is the store namespace of the backup runs in progress.
const runNS = "schedule_run"

// runDoc is a backup run as journaled: written when the window starts,
// again before the job is sent (the intent), and closed when the run
// ends. A hub that restarts mid-window picks the run up where it was: it
// never starts the window again and never sends the job twice.
type runDoc struct {
	Active        bool      `json:"active"`
	Started       time.Time `json:"started"`
	Occasion      time.Time `json:"occasion,omitzero"` // the scheduled start (older journals: Started)
	Deadline      time.Time `json:"deadline"`
	Running       bool      `json:"running"` // the job was sent
	SleepWhenIdle bool      `json:"sleep_when_idle"`
}

// saveRun journals it's backup run (none: closed).
func (s *Service) saveRun(ctx context.Context, it *schedItem) {
	doc := runDoc{}
	if b := it.backup; b != nil {
		doc = runDoc{Active: true, Started: b.started, Occasion: b.occasion, Deadline: b.deadline, Running: b.running, SleepWhenIdle: b.sleepWhenIdle}
	}
	raw, err := json.Marshal(doc)
	if err == nil {
		err = s.env.Store.SaveDoc(ctx, runNS, it.cfg.Name, raw)
	}
	if err != nil {
		s.env.Log.Error("journaling the backup run", "schedule", it.cfg.Name, "err", err)
	}
}

// loadRuns restores the backup runs a stopped hub left open.
func (s *Service) loadRuns(ctx context.Context) error {
	docs, err := s.env.Store.Docs(ctx, runNS)
	if err != nil {
		return err
	}
	for _, it := range s.items {
		var d runDoc
		if raw, ok := docs[it.cfg.Name]; !ok || json.Unmarshal(raw, &d) != nil || !d.Active {
			continue
		}
		if !s.env.Now().Before(d.Deadline) { // its window ended while the hub was down
			it.lastRun, it.lastResult = d.Started, "failed: the hub was down until after the window"
			s.env.Log.Warn("backup run ended while the hub was down", "schedule", it.cfg.Name, "started", d.Started, "job_sent", d.Running)
			s.saveRun(ctx, it) // closed
			continue
		}
		it.backup = &backupRun{started: d.Started, occasion: cmp.Or(d.Occasion, d.Started), deadline: d.Deadline, running: d.Running, sleepWhenIdle: d.SleepWhenIdle}
		it.lastRun, it.lastResult = d.Started, "resumed after a restart"
		s.env.Log.Info("backup run resumed", "schedule", it.cfg.Name, "started", d.Started, "job_sent", d.Running)
	}
	return nil
}
