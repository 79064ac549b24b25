package agent

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"golang.org/x/sync/errgroup"

	"github.com/homefleet/homefleet/agent/collect/idle"
	"github.com/homefleet/homefleet/agent/collect/netid"
	"github.com/homefleet/homefleet/agent/power"
	"github.com/homefleet/homefleet/hub/wake"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/probe"
)

// Run connects to the broker from cfg and runs the agent over col until
// ctx ends. It returns the first connection's error (unreachable broker,
// refused credentials) or nil on a clean stop.
// disks may be nil (no SMART).
func Run(ctx context.Context, cfg config.Agent, col collector, disks diskReader, version string, log *slog.Logger) error {
	return RunWith(ctx, cfg, col, disks, version, log, nil)
}

// RunWith is Run with a memory trim hook (see Options.Trim).
func RunWith(ctx context.Context, cfg config.Agent, col collector, disks diskReader, version string, log *slog.Logger, trim func()) error {
	return RunPower(ctx, cfg, col, disks, power.New(), version, log, trim)
}

// RunPower is RunWith with the power backend given (tests pass a recorder).
func RunPower(ctx context.Context, cfg config.Agent, col collector, disks diskReader, pw power.Backend, version string, log *slog.Logger, trim func()) error {
	id, err := ResolveID(cfg.Device.ID)
	if err != nil {
		return err
	}
	sc := cfg.MQTT.Scheme()
	a := New(Options{
		ID: id, Name: cfg.Device.Name, Version: version,
		Interval: cfg.Collect.Interval, Heartbeat: cfg.Collect.Heartbeat,
		Scheme: sc, Logger: log, Trim: trim, Power: pw, AllowPower: cfg.Power.Allow,
	}, col)
	if disks != nil && !cfg.Collect.SkipSMART {
		a.WithDisks(disks, cfg.Collect.SMARTInterval)
	}
	a.WithNet(netid.Collect).WithRelay(wake.UDP{}).WithJobs(cfg.Jobs)
	a.WithIdle(IdleOptions{Checks: idleChecks(cfg.Idle), Interval: cfg.Idle.Interval, DiskBps: cfg.Idle.DiskBps, NetBps: cfg.Idle.NetBps})
	name := cfg.Device.Name
	if name == "" {
		name, _ = os.Hostname()
	}
	probes := probe.NewService(id, name, version, sc, cfg.Probes, log.With("component", "probes"))
	clientID := cfg.MQTT.ClientID
	if clientID == "" {
		clientID = "homefleet-agent-" + id
	}
	mc, err := mqttc.New(mqttc.Options{
		MQTT: cfg.MQTT, ClientID: clientID, StatusTopic: sc.Status(id),
		Logger: log.With("component", "mqtt"), OnConnect: func() { a.Connected(); probes.Connected() },
	})
	if err != nil {
		return fmt.Errorf("setting up mqtt: %w", err)
	}
	a.opts.Reconnect = mc.Reconnect
	mc.Subscribe(sc.HAStatus(), a.HandleHAStatus)
	mc.Subscribe(sc.Commands(id), a.HandleCommand)
	log.Info("agent starting", "device", id, "state_topic", sc.State(id), "interval", cfg.Collect.Interval)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return mc.Run(gctx) })
	g.Go(func() error { return a.Run(gctx, mc) })
	if len(cfg.Probes) > 0 {
		g.Go(func() error { return probes.Run(gctx, mc) })
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("agent %s: %w", id, err)
	}
	return nil
}

// idleChecks builds the configured activity checks; logged-in users
// always count.
func idleChecks(c config.Idle) []idle.Check {
	checks := []idle.Check{idle.Users{}}
	if c.SMB {
		smb := idle.SMB{}
		if c.SMBConf != "" {
			smb.Args = []string{"-s", c.SMBConf}
		}
		checks = append(checks, smb)
	}
	if c.NFS {
		checks = append(checks, idle.NFS{})
	}
	if c.LoadMax > 0 {
		checks = append(checks, idle.Load{Max: c.LoadMax})
	}
	if len(c.Ports) > 0 {
		checks = append(checks, idle.Ports{Ports: c.Ports})
	}
	if len(c.Processes) > 0 {
		checks = append(checks, idle.Processes{Names: c.Processes})
	}
	return checks
}
