package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/hub/schedule"
	"github.com/homefleet/homefleet/hub/store"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// ScheduleState is the document on homefleet/hub/schedule/<name>.
type ScheduleState struct {
	V          int    `json:"v"`
	Enabled    bool   `json:"enabled"`
	NextRun    string `json:"next_run"` // RFC 3339
	LastRun    string `json:"last_run,omitempty"`
	LastResult string `json:"last_result,omitempty"`
}

type backupRun struct {
	started, deadline time.Time
	running           bool // the job was started (the device is online)
	sleepWhenIdle     bool
}

type schedItem struct {
	cfg        config.Schedule
	win        schedule.Window
	state      store.ScheduleState
	slept      time.Time // start of the window already put to sleep
	backup     *backupRun
	lastRun    time.Time
	lastResult string
}

type idleMsg struct {
	device string
	idle   *wire.Idle
}

type eventMsg struct {
	device string
	ev     wire.Event
}

type schedCmd struct {
	verb    string
	payload []byte
}

// scheduler runs the configured power schedules. It only publishes
// commands (cmd/wake, cmd/sleep, cmd/run/<job>); agents and the waker do
// the work, so every action is visible on the broker.
type scheduler struct {
	sc      topic.Scheme
	version string
	log     *slog.Logger
	st      *store.Store
	now     func() time.Time
	items   []*schedItem
	online  map[string]bool
	idle    map[string]*wire.Idle
	in      chan any
	resend  chan struct{}
}

func newScheduler(ctx context.Context, sc topic.Scheme, version string, cfgs []config.Schedule, st *store.Store, log *slog.Logger) (*scheduler, error) {
	s := &scheduler{sc: sc, version: version, log: log, st: st, now: time.Now,
		online: map[string]bool{}, idle: map[string]*wire.Idle{}, in: make(chan any, 256), resend: make(chan struct{}, 1)}
	for _, c := range cfgs {
		spec, err := schedule.Parse(c.Cron, c.TimeZone, c.Misfire)
		if err != nil {
			return nil, fmt.Errorf("schedule %s: %w", c.Name, err)
		}
		state, err := st.Schedule(ctx, c.Name)
		if err != nil {
			return nil, err
		}
		s.items = append(s.items, &schedItem{cfg: c, win: schedule.Window{Spec: spec, Length: c.Window}, state: state})
	}
	return s, nil
}

func (s *scheduler) connected() { nudge(s.resend) }

func (s *scheduler) queue(m any) {
	select {
	case s.in <- m:
	default:
		s.log.Warn("scheduler queue full, message dropped")
	}
}

func (s *scheduler) statusChanged(device, status string) {
	s.queue(statusMsg{device, status == mqttc.Online})
}

func (s *scheduler) handleState(t string, payload []byte, _ bool) error {
	dev, ok := s.sc.ParseDevice(t)
	if !ok || dev == DeviceID || len(payload) == 0 {
		return nil
	}
	st, err := wire.DecodeState(payload)
	if err != nil {
		return err
	}
	s.queue(idleMsg{dev, st.Idle})
	return nil
}

func (s *scheduler) handleEvent(t string, payload []byte, _ bool) error {
	dev, ok := s.sc.ParseDevice(t)
	if !ok {
		return nil
	}
	var ev wire.Event
	if err := json.Unmarshal(payload, &ev); err != nil {
		return fmt.Errorf("decoding event: %w", err)
	}
	if ev.Type == "job" {
		s.queue(eventMsg{dev, ev})
	}
	return nil
}

func (s *scheduler) handleCommand(t string, payload []byte, retained bool) error {
	verb, ok := s.sc.ParseCommand(DeviceID, t)
	if !ok || retained || len(payload) == 0 {
		return nil
	}
	s.queue(schedCmd{verb, payload})
	return nil
}

func (s *scheduler) run(ctx context.Context, pub publisher) error {
	t := time.NewTicker(15 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.resend:
			for _, it := range s.items {
				_ = mqttc.PublishJSON(ctx, pub, s.sc.Discovery(it.cfg.Device+"_schedule_"+topic.ID(it.cfg.Name)),
					discovery.SchedulePayload(DeviceID, it.cfg.Device, it.cfg.Name, it.cfg.Kind == config.ScheduleBackup, s.version, s.sc), true)
				s.publishState(ctx, pub, it)
			}
			s.tick(ctx, pub)
		case m := <-s.in:
			s.handle(ctx, pub, m)
		case <-t.C:
			s.tick(ctx, pub)
		}
	}
}

func (s *scheduler) handle(ctx context.Context, pub publisher, m any) {
	switch m := m.(type) {
	case statusMsg:
		s.online[m.device] = m.online
		s.tick(ctx, pub)
	case idleMsg:
		s.idle[m.device] = m.idle
		s.tick(ctx, pub)
	case eventMsg:
		s.jobDone(ctx, pub, m)
	case schedCmd:
		s.command(ctx, pub, m)
	}
}

func (s *scheduler) command(ctx context.Context, pub publisher, m schedCmd) {
	for _, it := range s.items {
		switch m.verb {
		case "schedule_" + topic.ID(it.cfg.Name):
			on := strings.EqualFold(strings.TrimSpace(string(m.payload)), "ON")
			it.state.Enabled = on
			s.save(ctx, it)
			s.publishState(ctx, pub, it)
		case "run_now_" + topic.ID(it.cfg.Name):
			s.fire(ctx, pub, it, s.now())
		}
	}
}

// tick fires what is due; every kind is idempotent per scheduled time.
func (s *scheduler) tick(ctx context.Context, pub publisher) {
	now := s.now()
	for _, it := range s.items {
		if !it.state.Enabled {
			continue
		}
		if at, due := it.win.Due(it.state.LastFired, now); due && it.cfg.Kind != config.ScheduleSleep {
			it.state.LastFired = at
			s.save(ctx, it)
			s.fire(ctx, pub, it, now)
		}
		switch it.cfg.Kind {
		case config.ScheduleSleep:
			s.sleepWindow(ctx, pub, it, now)
		case config.ScheduleBackup:
			s.advanceBackup(ctx, pub, it, now)
		}
	}
}

// fire starts a schedule's action now (due, or "run now").
func (s *scheduler) fire(ctx context.Context, pub publisher, it *schedItem, now time.Time) {
	dev := it.cfg.Device
	it.lastRun = now
	switch it.cfg.Kind {
	case config.ScheduleWake:
		s.send(ctx, pub, s.sc.Command(dev, "wake"), it, now)
		it.lastResult = "wake sent"
	case config.ScheduleSleep:
		it.slept = time.Time{} // run now: sleep as soon as idle
	case config.ScheduleBackup:
		if it.backup != nil {
			return // one run at a time
		}
		it.backup = &backupRun{started: now, deadline: now.Add(it.cfg.Window), sleepWhenIdle: it.cfg.SleepAfter}
		it.lastResult = "waking " + dev
		if !s.online[dev] {
			s.send(ctx, pub, s.sc.Command(dev, "wake"), it, now)
		}
		s.advanceBackup(ctx, pub, it, now)
	}
	s.publishState(ctx, pub, it)
}

func (s *scheduler) advanceBackup(ctx context.Context, pub publisher, it *schedItem, now time.Time) {
	b := it.backup
	if b == nil {
		return
	}
	dev := it.cfg.Device
	switch {
	case !b.running && s.online[dev]:
		b.running = true
		it.lastResult = "running " + it.cfg.Job
		s.send(ctx, pub, s.sc.RunJob(dev, it.cfg.Job), it, now)
		s.publishState(ctx, pub, it)
	case now.After(b.deadline):
		reason := "the device did not wake up"
		if b.running {
			reason = "the job did not finish"
		}
		s.finish(ctx, pub, it, false, reason, now)
	}
}

func (s *scheduler) jobDone(ctx context.Context, pub publisher, m eventMsg) {
	for _, it := range s.items {
		if it.backup == nil || !it.backup.running || it.cfg.Device != m.device || m.ev.Verb != "run/"+it.cfg.Job {
			continue
		}
		dur := time.Duration(m.ev.LatencyMS) * time.Millisecond
		if m.ev.OK {
			s.finish(ctx, pub, it, true, "finished in "+dur.Round(time.Second).String(), s.now())
		} else {
			s.finish(ctx, pub, it, false, m.ev.Reason, s.now())
		}
	}
}

func (s *scheduler) finish(ctx context.Context, pub publisher, it *schedItem, ok bool, result string, now time.Time) {
	sleepAfter := it.backup.sleepWhenIdle
	it.backup = nil
	it.lastResult = result
	trig := discovery.TriggerBackupFinished
	if !ok {
		trig = discovery.TriggerBackupFailed
		it.lastResult = "failed: " + result
	}
	s.log.Info("backup schedule done", "schedule", it.cfg.Name, "ok", ok, "result", result)
	_ = pub.Publish(ctx, s.sc.HubScheduleTrigger(it.cfg.Name), []byte(trig), false)
	if ok && sleepAfter && s.sleepWhenIdle(ctx, pub, it, now) {
		it.lastResult += "; sleep sent"
	}
	s.publishState(ctx, pub, it)
}

// sleepWindow puts the device to sleep once per window occurrence, when
// it has been idle for IdleMinutes inside the window.
func (s *scheduler) sleepWindow(ctx context.Context, pub publisher, it *schedItem, now time.Time) {
	end, active := it.win.Active(now)
	if !active {
		return
	}
	start := end.Add(-it.cfg.Window)
	if it.slept.Equal(start) {
		return
	}
	if s.sleepWhenIdle(ctx, pub, it, now) {
		it.slept = start
		it.lastResult = "sleep sent after " + strconv.FormatInt(s.idle[it.cfg.Device].ForMin, 10) + " idle minutes"
		s.publishState(ctx, pub, it)
	}
}

func (s *scheduler) sleepWhenIdle(ctx context.Context, pub publisher, it *schedItem, now time.Time) bool {
	dev := it.cfg.Device
	idle := s.idle[dev]
	if !s.online[dev] || idle == nil || !idle.Idle || idle.ForMin < int64(it.cfg.IdleMinutes) {
		return false
	}
	s.send(ctx, pub, s.sc.Command(dev, "sleep"), it, now)
	return true
}

func (s *scheduler) send(ctx context.Context, pub publisher, t string, it *schedItem, now time.Time) {
	cmd := wire.Command{ID: topic.ID(it.cfg.Name) + "-" + strconv.FormatInt(now.Unix(), 36), TS: now.Unix()}
	if err := mqttc.PublishJSON(ctx, pub, t, cmd, false); err != nil {
		s.log.Warn("schedule command not sent", "schedule", it.cfg.Name, "topic", t, "err", err)
	}
}

func (s *scheduler) save(ctx context.Context, it *schedItem) {
	if err := s.st.SaveSchedule(ctx, it.cfg.Name, it.state); err != nil {
		s.log.Error("saving schedule state", "schedule", it.cfg.Name, "err", err)
	}
}

func (s *scheduler) publishState(ctx context.Context, pub publisher, it *schedItem) {
	st := ScheduleState{V: 1, Enabled: it.state.Enabled, NextRun: it.win.Next(s.now()).Format(time.RFC3339), LastResult: it.lastResult}
	if !it.lastRun.IsZero() {
		st.LastRun = it.lastRun.Format(time.RFC3339)
	}
	_ = mqttc.PublishJSON(ctx, pub, s.sc.HubSchedule(it.cfg.Name), st, true)
}
