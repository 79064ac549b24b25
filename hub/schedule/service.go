package schedule

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/hub/feature"
	"github.com/homefleet/homefleet/hub/store"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/inbox"
	"github.com/homefleet/homefleet/internal/service"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

type backupRun struct {
	started, deadline time.Time
	occasion          time.Time // the scheduled start (or the press): what the hubs' duty journal keys it by
	running           bool      // the job was started (the device is online)
	sleepWhenIdle     bool
}

type schedItem struct {
	cfg        config.Schedule
	win        Window
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

type statusMsg struct {
	device string
	online bool
}

// Service runs the configured power schedules. Handlers queue; Run owns
// every item.
type Service struct {
	env    feature.Env
	items  []*schedItem
	online map[string]bool
	idle   map[string]*wire.Idle
	in     chan any
	resend chan struct{}
}

// New parses every schedule, restores its switch and last run from the
// store, and subscribes to what the schedules react to.
func New(ctx context.Context, env feature.Env, cfgs []config.Schedule) (*Service, error) {
	s := &Service{env: env.Named("schedules"),
		online: map[string]bool{}, idle: map[string]*wire.Idle{}, in: make(chan any, 256), resend: make(chan struct{}, 1)}
	for _, c := range cfgs {
		spec, err := Parse(c.Cron, c.TimeZone, c.Misfire)
		if err != nil {
			return nil, fmt.Errorf("schedule %s: %w", c.Name, err)
		}
		state, err := env.Store.Schedule(ctx, c.Name)
		if err != nil {
			return nil, err
		}
		s.items = append(s.items, &schedItem{cfg: c, win: Window{Spec: spec, Length: c.Window}, state: state})
	}
	if err := s.loadRuns(ctx); err != nil {
		return nil, err
	}
	if len(s.items) > 0 {
		sc := env.Scheme
		env.Session.Subscribe(sc.AllStatus(), s.handleStatus)
		env.Session.Subscribe(sc.AllStates(), s.handleState)
		env.Session.Subscribe(sc.AllEvents(), s.handleEvent)
		for _, it := range s.items {
			name := topic.ID(it.cfg.Name)
			env.Commands.On(topic.HubID, "schedule_"+name, inbox.Switch, s.handleCommand)
			env.Commands.On(topic.HubID, "run_now_"+name, inbox.Press, s.handleCommand)
		}
	}
	return s, nil
}

// Name implements service.Service.
func (s *Service) Name() string { return "schedules" }

// Announce republishes every schedule's discovery and state.
func (s *Service) Announce() { service.Nudge(s.resend) }

func (s *Service) queue(m any) error { return service.Enqueue(s.in, m, "schedule input") }

func (s *Service) handleStatus(t string, payload []byte, _ bool) error {
	if dev, online, ok, _ := s.env.Scheme.ParseAvailability(t, payload); ok {
		return s.queue(statusMsg{dev, online})
	}
	return nil
}

func (s *Service) handleState(t string, payload []byte, _ bool) error {
	dev, ok := s.env.Scheme.ParseDevice(t)
	if !ok || dev == topic.HubID || len(payload) == 0 {
		return nil
	}
	st, err := wire.DecodeState(payload)
	if err != nil {
		return err
	}
	return s.queue(idleMsg{dev, st.Idle})
}

func (s *Service) handleEvent(t string, payload []byte, _ bool) error {
	dev, ok := s.env.Scheme.ParseDevice(t)
	if !ok {
		return nil
	}
	var ev wire.Event
	if err := json.Unmarshal(payload, &ev); err != nil {
		return fmt.Errorf("decoding event: %w", err)
	}
	if ev.Type == "job" {
		return s.queue(eventMsg{dev, ev})
	}
	return nil
}

// handleCommand queues an admitted command (the hub's inbox checked it).
func (s *Service) handleCommand(c inbox.Command) error { return s.queue(c) }

// Run fires schedules until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(15 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.resend:
			for _, it := range s.items {
				sc := s.env.Scheme
				s.env.Send(ctx, sc.NodeDiscovery(topic.HubID, topic.ScheduleNode(it.cfg.Device, it.cfg.Name)),
					discovery.SchedulePayload(topic.HubID, it.cfg.Device, it.cfg.Name, it.cfg.Kind == config.ScheduleBackup, s.env.Version, sc), true)
				s.publishState(ctx, it)
			}
			s.tick(ctx)
		case m := <-s.in:
			s.handle(ctx, m)
		case <-t.C:
			s.tick(ctx)
		}
	}
}

func (s *Service) handle(ctx context.Context, m any) {
	switch m := m.(type) {
	case statusMsg:
		s.online[m.device] = m.online
		s.tick(ctx)
	case idleMsg:
		s.idle[m.device] = m.idle
		s.tick(ctx)
	case eventMsg:
		s.jobDone(ctx, m)
	case inbox.Command:
		s.command(ctx, m)
	}
}

func (s *Service) command(ctx context.Context, m inbox.Command) {
	for _, it := range s.items {
		switch m.Verb {
		case "schedule_" + topic.ID(it.cfg.Name):
			it.state.Enabled = m.On
			s.save(ctx, it)
			s.publishState(ctx, it)
		case "run_now_" + topic.ID(it.cfg.Name):
			if s.env.Leading() { // a follower's run could not be matched to the leader's
				now := s.env.Now()
				s.fire(ctx, it, now, now)
			}
		}
	}
}
