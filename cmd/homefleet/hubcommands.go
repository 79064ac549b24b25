//go:build !agentonly

package main

import (
	"context"

	"github.com/homefleet/homefleet/hub"
	"github.com/homefleet/homefleet/hub/internet/ddns/providers"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/systemd"
)

// The hub's commands: left out of the agent's build (homefleet-agent,
// -tags agentonly), whose machines need neither the hub's store nor its
// etcd client.

// buildKind ends the version line (the full build: nothing to add).
const buildKind = ""

func runHub(ctx context.Context, args []string, e env) error {
	if len(args) > 0 && args[0] == "status" {
		return runHubStatus(ctx, args[1:], e)
	}
	cfg, err := daemonConfig("hub", "Runs the hub. Without mqtt.url it starts an embedded MQTT broker on broker.listen (:1883).", args, e, config.LoadHub)
	if err != nil {
		return err
	}
	tuneHubRuntime(e, cfg)
	h, err := hub.StartWith(ctx, cfg, version, e.logger(cfg.Log), hub.Options{Supervisor: systemd.FromEnv()})
	if err != nil {
		return err
	}
	return h.Wait()
}

// loadHubChecked also builds every DDNS provider, which validates what
// only the provider knows (a token, a base64 TSIG secret, a URL).
func loadHubChecked(path string, lookup config.LookupEnv) (config.Hub, error) {
	h, err := config.LoadHub(path, lookup)
	if err != nil {
		return h, err
	}
	for _, p := range h.DDNS.Providers {
		if _, err := providers.New(p); err != nil {
			return h, err
		}
	}
	return h, nil
}
