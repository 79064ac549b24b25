package main

import (
	"context"
	"runtime"
	"runtime/debug"

	"github.com/homefleet/homefleet/agent"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/memtrim"
)

func runAgent(ctx context.Context, args []string, e env) error {
	fs := flags("agent --config FILE", "Runs the agent: publishes this machine's metrics and HA discovery to the broker.", e)
	path := fs.String("config", "", "agent config file (YAML); HOMEFLEET_* env vars override it")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := config.LoadAgent(*path, e.lookup)
	if err != nil {
		return err
	}
	log := newLogger(e.stderr, cfg.Log)
	tuneRuntime(e)
	return agent.Run(ctx, cfg, agent.Deps{Version: version, Log: log, Trim: trimMemory})
}

// trimMemory runs once per heartbeat: freed heap goes back to the OS, and
// code pages not used since the last trim are dropped (those in use fault
// back in from the file), so the resident set stays the working set.
func trimMemory() {
	debug.FreeOSMemory()
	_, _ = memtrim.Executable()
}

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
