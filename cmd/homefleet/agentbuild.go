//go:build agentonly

package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/homefleet/homefleet/internal/config"
)

// The agent's build (homefleet-agent, built with -tags agentonly) has the
// agent's commands only: it links neither the hub (its SQLite store, its
// etcd client and gRPC) nor the evaluation, so a machine that only runs
// the agent keeps a third of the memory. The hub's commands say so and
// name the binary that has them.

// buildKind ends the version line.
const buildKind = ", the agent's build (no hub)"

// errAgentBuild refuses a hub command in the agent's build.
var errAgentBuild = errors.New("this is the agent's build (homefleet-agent)")

func hubOnly(name string) error {
	return fmt.Errorf("%w: %q is the hub's; run it with the full binary: homefleet %s", errAgentBuild, name, name)
}

func runHub(context.Context, []string, env) error     { return hubOnly("hub") }
func runDemo(context.Context, []string, env) error    { return hubOnly("demo") }
func runACL(context.Context, []string, env) error     { return hubOnly("acl") }
func runPredict(context.Context, []string, env) error { return hubOnly("predict") }
func runSim(context.Context, []string, env) error     { return hubOnly("sim") }

func loadHubChecked(string, config.LookupEnv) (config.Hub, error) {
	return config.Hub{}, hubOnly("check-config --role hub")
}
