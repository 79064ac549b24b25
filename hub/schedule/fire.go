package schedule

import (
	"context"
	"strconv"
	"time"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/hub/feature"
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
			s.fire(ctx, it, now, at)
		}
		switch it.cfg.Kind {
		case config.ScheduleSleep:
			s.sleepWindow(ctx, it, now)
		case config.ScheduleBackup:
			s.advanceBackup(ctx, it, now)
		}
	}
}

// fire starts a schedule's action now (due at occasion, or "run now"
// pressed at occasion).
func (s *Service) fire(ctx context.Context, it *schedItem, now, occasion time.Time) {
	dev := it.cfg.Device
	it.lastRun = now
	switch it.cfg.Kind {
	case config.ScheduleWake:
		s.send(ctx, s.env.Scheme.Command(dev, "wake"), it, "wake", occasion, now)
		it.lastResult = "wake sent"
	case config.ScheduleSleep:
		it.slept = time.Time{} // run now: sleep as soon as idle
	case config.ScheduleBackup:
		if it.backup != nil {
			return // one run at a time
		}
		it.backup = &backupRun{started: now, occasion: occasion, deadline: now.Add(it.cfg.Window), sleepWhenIdle: it.cfg.SleepAfter}
		s.saveRun(ctx, it)
		it.lastResult = "waking " + dev
		if !s.online[dev] {
			s.send(ctx, s.env.Scheme.Command(dev, "wake"), it, "wake", occasion, now)
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
		outcome := s.env.Claim(ctx, dutyKey(it, "job"), b.occasion.UTC().Format(time.RFC3339))
		if outcome == feature.Wait {
			return // another hub leads: it sends the job (or this one, once it leads)
		}
		b.running = true
		s.saveRun(ctx, it) // the intent: a restart does not send the job again
		it.lastResult = "running " + it.cfg.Job
		if outcome == feature.Act {
			s.publish(ctx, s.env.Scheme.RunJob(dev, it.cfg.Job), it, now)
		}
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
	sleepAfter, occasion := it.backup.sleepWhenIdle, it.backup.occasion
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
	if ok && sleepAfter && s.sleepWhenIdle(ctx, it, occasion, now) {
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
	if s.sleepWhenIdle(ctx, it, start, now) {
		it.slept = start
		it.lastResult = "sleep sent after " + strconv.FormatInt(s.idle[it.cfg.Device].ForMin, 10) + " idle minutes"
		s.publishState(ctx, it)
	}
}

// sleepWhenIdle sends the sleep of the window (or backup run) starting
// at occasion once the device is idle; true once it was sent, here or by
// another hub.
func (s *Service) sleepWhenIdle(ctx context.Context, it *schedItem, occasion, now time.Time) bool {
	dev := it.cfg.Device
	idle := s.idle[dev]
	if !s.online[dev] || idle == nil || !idle.Idle || idle.ForMin < int64(it.cfg.IdleMinutes) {
		return false
	}
	return s.send(ctx, s.env.Scheme.Command(dev, "sleep"), it, "sleep", occasion, now)
}

// dutyKey names one of a schedule's actions among the hubs' duties.
func dutyKey(it *schedItem, action string) string {
	return "schedule/" + topic.ID(it.cfg.Name) + "/" + action
}

// send publishes a schedule's command for occasion unless another hub
// leads or already sent it; true when it was sent (here or there).
func (s *Service) send(ctx context.Context, t string, it *schedItem, action string, occasion, now time.Time) bool {
	switch s.env.Claim(ctx, dutyKey(it, action), occasion.UTC().Format(time.RFC3339)) {
	case feature.Wait:
		return false
	case feature.Done:
		return true
	}
	s.publish(ctx, t, it, now)
	return true
}

func (s *Service) publish(ctx context.Context, t string, it *schedItem, now time.Time) {
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
