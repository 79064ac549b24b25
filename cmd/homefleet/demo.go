//go:build !agentonly

package main

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/homefleet/homefleet/agent"
	"github.com/homefleet/homefleet/hub"
	"github.com/homefleet/homefleet/internal/access"
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
	acfg := config.Agent{MQTT: config.MQTT{URL: "mqtt://127.0.0.1:1883"}, Collect: config.Collect{Interval: *interval}, Log: config.Log{Level: *logLevel}}
	acfg.SetDefaults()
	id, err := agent.ResolveID(acfg.Device.ID) // the agent's login on a LAN listener is named like it
	if err != nil {
		return err //nolint:wrapcheck // says what is missing
	}
	acfg.Device.ID = id
	hcfg := config.Hub{MQTT: config.MQTT{URL: *brokerURL}, Broker: config.Broker{Listen: *listen}, Store: ":memory:", Log: config.Log{Level: *logLevel},
		Logins: config.Logins{Agents: []string{acfg.Device.ID}}}
	hcfg.SetDefaults()
	if err := hcfg.Validate(); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	log := e.logger(hcfg.Log)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	h, err := hub.Start(ctx, hcfg, version, log.With("role", "hub"))
	if err != nil {
		return explainListen(err, *listen)
	}
	acfg.MQTT.URL = h.BrokerURL()
	var ha access.Login
	if hcfg.Embedded() && hcfg.Broker.NeedsLogins() {
		logins, err := access.Load(hcfg.Logins.File) // the hub generated them
		if err != nil {
			cancel()
			_ = h.Wait()
			return fmt.Errorf("reading the demo's broker logins: %w", err)
		}
		own, _ := access.Find(logins, acfg.Device.ID)
		acfg.MQTT.Username, acfg.MQTT.Password = own.Name, own.Password
		ha, _ = access.Find(logins, hcfg.Logins.HAUsername)
	}
	if err := acfg.Validate(); err != nil {
		cancel()
		_ = h.Wait()
		return err
	}
	printDemoBanner(e, h, *listen, ha, hcfg.Logins.File)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer cancel() // an agent failure stops the hub too
		return agent.Run(gctx, acfg, agent.Deps{Version: version, Log: log.With("role", "agent")})
	})
	g.Go(h.Wait)
	return g.Wait()
}
