package schedule

import (
	"context"
	"strconv"
	"time"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// tick fires what is due; every kind is idempotent per scheduled time.
func (s *Service) tick(ctx context.Context) {
	now := s.env.Now()
	for _, it := range s.items {
		if !it.state.Enabled {
			continue
		}
		if at, due := it.win.Due(it.state.LastFired, now); due && it.cfg.Kind != config.ScheduleSleep {
			it.state.LastFired = at
			s.save(ctx, it)
			s.fire(ctx, it, now)
		}
		switch it.cfg.Kind {
		case config.ScheduleSleep:
			s.sleepWindow(ctx, it, now)
		case config.ScheduleBackup:
			s.advanceBackup(ctx, it, now)
		}
	}
}

// fire starts a schedule's action now (due, or "run now").
func (s *Service) fire(ctx context.Context, it *schedItem, now time.Time) {
	dev := it.cfg.Device
	it.lastRun = now
	switch it.cfg.Kind {
	case config.ScheduleWake:
		s.send(ctx, s.env.Scheme.Command(dev, "wake"), it, now)
		it.lastResult = "wake sent"
	case config.ScheduleSleep:
		it.slept = time.Time{} // run now: sleep as soon as idle
	case config.ScheduleBackup:
		if it.backup != nil {
			return // one run at a time
		}
		it.backup = &backupRun{started: now, deadline: now.Add(it.cfg.Window), sleepWhenIdle: it.cfg.SleepAfter}
		s.saveRun(ctx, it)
		it.lastResult = "waking " + dev
		if !s.online[dev] {
			s.send(ctx, s.env.Scheme.Command(dev, "wake"), it, now)
		}
		s.advanceBackup(ctx, it, now)
	}
	s.publishState(ctx, it)
}

func (s *Service) advanceBackup(ctx context.Context, it *schedItem, now time.Time) {
	b := it.backup
	if b == nil {
		return
	}
	dev := it.cfg.Device
	switch {
	case !b.running && s.online[dev]:
		b.running = true
		s.saveRun(ctx, it) // the intent: a restart does not send the job again
		it.lastResult = "running " + it.cfg.Job
		s.send(ctx, s.env.Scheme.RunJob(dev, it.cfg.Job), it, now)
		s.publishState(ctx, it)
	case now.After(b.deadline):
		reason := "the device did not wake up"
		if b.running {
			reason = "the job did not finish"
		}
		s.finish(ctx, it, false, reason, now)
	}
}

func (s *Service) jobDone(ctx context.Context, m eventMsg) {
	for _, it := range s.items {
		if it.backup == nil || !it.backup.running || it.cfg.Device != m.device || m.ev.Verb != "run/"+it.cfg.Job {
			continue
		}
		dur := time.Duration(m.ev.LatencyMS) * time.Millisecond
		if m.ev.OK {
			s.finish(ctx, it, true, "finished in "+dur.Round(time.Second).String(), s.env.Now())
		} else {
			s.finish(ctx, it, false, m.ev.Reason, s.env.Now())
		}
	}
}

func (s *Service) finish(ctx context.Context, it *schedItem, ok bool, result string, now time.Time) {
	sleepAfter := it.backup.sleepWhenIdle
	it.backup = nil
	s.saveRun(ctx, it)
	it.lastResult = result
	trig := discovery.TriggerBackupFinished
	if !ok {
		trig = discovery.TriggerBackupFailed
		it.lastResult = "failed: " + result
	}
	s.env.Log.Info("backup schedule done", "schedule", it.cfg.Name, "ok", ok, "result", result)
	s.env.Fire(ctx, s.env.Scheme.HubScheduleTrigger(it.cfg.Name), []byte(trig))
	if ok && sleepAfter && s.sleepWhenIdle(ctx, it, now) {
		it.lastResult += "; sleep sent"
	}
	s.publishState(ctx, it)
}

// sleepWindow puts the device to sleep once per window occurrence, when
// it has been idle for IdleMinutes inside the window.
func (s *Service) sleepWindow(ctx context.Context, it *schedItem, now time.Time) {
	end, active := it.win.Active(now)
	if !active {
		return
	}
	start := end.Add(-it.cfg.Window)
	if it.slept.Equal(start) {
		return
	}
	if s.sleepWhenIdle(ctx, it, now) {
		it.slept = start
		it.lastResult = "sleep sent after " + strconv.FormatInt(s.idle[it.cfg.Device].ForMin, 10) + " idle minutes"
		s.publishState(ctx, it)
	}
}

func (s *Service) sleepWhenIdle(ctx context.Context, it *schedItem, now time.Time) bool {
	dev := it.cfg.Device
	idle := s.idle[dev]
	if !s.online[dev] || idle == nil || !idle.Idle || idle.ForMin < int64(it.cfg.IdleMinutes) {
		return false
	}
	s.send(ctx, s.env.Scheme.Command(dev, "sleep"), it, now)
	return true
}

func (s *Service) send(ctx context.Context, t string, it *schedItem, now time.Time) {
	cmd := wire.Command{ID: topic.ID(it.cfg.Name) + "-" + strconv.FormatInt(now.Unix(), 36), TS: now.Unix()}
	if err := mqttc.PublishJSON(ctx, s.env.Session, t, cmd, false); err != nil {
		s.env.Log.Warn("schedule command not sent", "schedule", it.cfg.Name, "topic", t, "err", err)
	}
}

func (s *Service) save(ctx context.Context, it *schedItem) {
	if err := s.env.Store.SaveSchedule(ctx, it.cfg.Name, it.state); err != nil {
		s.env.Log.Error("saving schedule state", "schedule", it.cfg.Name, "err", err)
	}
}

func (s *Service) publishState(ctx context.Context, it *schedItem) {
	st := wire.ScheduleState{V: 1, Enabled: it.state.Enabled, NextRun: it.win.Next(s.env.Now()).Format(time.RFC3339), LastResult: it.lastResult}
	if !it.lastRun.IsZero() {
		st.LastRun = it.lastRun.Format(time.RFC3339)
	}
	s.env.Send(ctx, s.env.Scheme.HubSchedule(it.cfg.Name), st, true)
}
