//go:build !agentonly

package main

import (
	"context"
	"fmt"

	"github.com/homefleet/homefleet/hub/leader"
	"github.com/homefleet/homefleet/internal/config"
)

// runHubStatus is `homefleet hub status`: the election's members, its
// leader and lease, and the last singleton actions, as etcd holds them.
func runHubStatus(ctx context.Context, args []string, e env) error {
	fs := flags("hub status [--config FILE]", "Shows the hubs that fail over on etcd: members, leader, leases and the last actions.", e)
	path := fs.String("config", "", "hub config file (YAML); HOMEFLEET_* env vars override it")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := config.LoadHub(*path, e.lookup)
	if err != nil {
		return err
	}
	if !cfg.Leader.Enabled() {
		fmt.Fprintln(e.stdout, "leader:  this hub (alone: no leader.etcd in its config, so it runs every duty itself)")
		return nil
	}
	st, err := leader.ReadStatus(ctx, cfg.Leader)
	if err != nil {
		return fmt.Errorf("hub status: %w", err)
	}
	fmt.Fprint(e.stdout, st)
	return nil
}
