package main

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/homefleet/homefleet/agent"
	"github.com/homefleet/homefleet/hub"
	"github.com/homefleet/homefleet/internal/config"
)

func runDemo(ctx context.Context, args []string, e env) error {
	fs := flags("demo [--listen HOST:PORT | --broker URL]",
		"Starts the hub with an embedded MQTT broker and an agent for this machine in one process.\nCtrl-C stops it.", e)
	listen := fs.String("listen", "127.0.0.1:1883", "embedded broker address (0.0.0.0:1883 to let HA on another machine connect)")
	brokerURL := fs.String("broker", "", "use this external broker (mqtt://host:port) instead of the embedded one")
	interval := fs.Duration("interval", 10*time.Second, "collection interval")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := parse(fs, args); err != nil {
		return err
	}
	hcfg := config.Hub{MQTT: config.MQTT{URL: *brokerURL}, Broker: config.Broker{Listen: *listen}, Store: ":memory:", Log: config.Log{Level: *logLevel}}
	hcfg.SetDefaults()
	if err := hcfg.Validate(); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	log := newLogger(e.stderr, hcfg.Log)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	h, err := hub.Start(ctx, hcfg, version, log.With("role", "hub"))
	if err != nil {
		return explainListen(err, *listen)
	}
	acfg := config.Agent{MQTT: config.MQTT{URL: h.BrokerURL()}, Collect: config.Collect{Interval: *interval}, Log: hcfg.Log}
	acfg.SetDefaults()
	if err := acfg.Validate(); err != nil {
		cancel()
		_ = h.Wait()
		return err
	}
	printDemoBanner(e, h, *listen)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer cancel() // an agent failure stops the hub too
		return agent.Run(gctx, acfg, agent.Deps{Version: version, Log: log.With("role", "agent")})
	})
	g.Go(h.Wait)
	return g.Wait()
}
