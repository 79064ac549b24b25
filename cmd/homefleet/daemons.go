// The two daemons: the hub, and the agent with its runtime sized for a
// small, mostly idle process.

package main

import (
	"context"
	"runtime"
	"runtime/debug"
	"sync/atomic"

	"github.com/homefleet/homefleet/agent"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/memtrim"
	"github.com/homefleet/homefleet/internal/systemd"
)

func runAgent(ctx context.Context, args []string, e env) error {
	cfg, err := daemonConfig("agent", "Runs the agent: publishes this machine's metrics and HA discovery to the broker.", args, e, config.LoadAgent)
	if err != nil {
		return err
	}
	log := e.logger(cfg.Log)
	tuneRuntime(e)
	return agent.Run(ctx, cfg, agent.Deps{Version: version, Log: log, Trim: trimMemory, Supervisor: systemd.FromEnv()})
}

// tuneHubRuntime runs a hub on an external broker on one processor: its
// work is a stream of small messages, each handed from the socket to
// paho to a feature's loop, and with a processor per core every hand-off
// woke another thread (at 1,000 agents every 10 s one processor used a
// fifth less CPU: HubIngest1000, 1.98 to 1.64 times mosquitto_sub). With
// the embedded broker the hub is the fleet's broker too and keeps every
// core. GOMAXPROCS from the environment wins.
func tuneHubRuntime(e env, cfg config.Hub) {
	if _, set := e.lookup("GOMAXPROCS"); !set && cfg.MQTT.URL != "" {
		runtime.GOMAXPROCS(1)
	}
}

// daemonConfig parses a daemon's flags (--config) and loads its config
// with the environment's overrides.
func daemonConfig[T any](role, synopsis string, args []string, e env, load func(string, config.LookupEnv) (T, error)) (T, error) {
	fs := flags(role+" [--config FILE]", synopsis, e)
	path := fs.String("config", "", role+" config file (YAML); HOMEFLEET_* env vars override it")
	if err := parse(fs, args); err != nil {
		var zero T
		return zero, err
	}
	return load(*path, e.lookup)
}

// trimMemory runs after start-up and once per heartbeat: freed heap goes
// back to the OS every time. Code pages not used since the last trim are
// dropped after start-up and then every exeTrimEvery-th call: each such
// trim costs the faults of the pages that come back (about 3 ms, five
// times a cycle's own work), so doing it every heartbeat would double
// the agent's CPU to keep its resident set a few MB lower.
func trimMemory() {
	n := trims.Add(1)
	debug.FreeOSMemory()
	if n <= 2 || n%exeTrimEvery == 0 {
		_, _ = memtrim.Executable()
	}
}

// trims counts trimMemory's calls (the agent's loop makes them).
var trims atomic.Int64 //nolint:gochecknoglobals // one agent per process

// exeTrimEvery: code pages are trimmed every 10 heartbeats (10 minutes
// at the default heartbeat).
const exeTrimEvery = 10

// agentGCPercent keeps the heap goal near 1 MB (GOGC=25).
const agentGCPercent = 25

// tuneRuntime sizes the Go runtime for a small, mostly idle daemon: the
// live heap is under 1 MB, so the default 4 MB GC floor would let garbage
// from /proc reads double its resident memory, and per-CPU runtime caches
// cost about 1 MB more than one CPU's worth. GOGC and GOMAXPROCS from the
// environment win.
func tuneRuntime(e env) {
	if _, set := e.lookup("GOGC"); !set {
		debug.SetGCPercent(agentGCPercent)
	}
	if _, set := e.lookup("GOMAXPROCS"); !set {
		runtime.GOMAXPROCS(1)
	}
	// Code and read-only data pages mapped for start-up (and those the
	// kernel mapped around them) need not stay resident.
	_, _ = memtrim.Executable()
}
