package main

import (
	"context"

	"github.com/homefleet/homefleet/hub"
	"github.com/homefleet/homefleet/internal/config"
)

func runHub(ctx context.Context, args []string, e env) error {
	fs := flags("hub [--config FILE]", "Runs the hub. Without mqtt.url it starts an embedded MQTT broker on broker.listen (:1883).", e)
	path := fs.String("config", "", "hub config file (YAML); HOMEFLEET_* env vars override it")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := config.LoadHub(*path, e.lookup)
	if err != nil {
		return err
	}
	h, err := hub.Start(ctx, cfg, version, newLogger(e.stderr, cfg.Log))
	if err != nil {
		return err
	}
	return h.Wait()
}
