// Package sim runs many simulated agents in one process, for load tests
// and the scale benchmarks: each is the real agent (agent.Run, its own
// MQTT client, will, discovery, state, facts and SMART documents) over a
// simulated machine instead of this host's collectors.
package sim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/homefleet/homefleet/agent"
	"github.com/homefleet/homefleet/agent/collect/host"
	"github.com/homefleet/homefleet/internal/config"
)

// ErrOptions reports an unusable simulation.
var ErrOptions = errors.New("simulation options")

// Options shape a simulation.
type Options struct {
	Agents   int           // simulated machines
	Disks    int           // disks per machine
	Interval time.Duration // collection period of each agent
	MQTT     config.MQTT   // the broker (url, login); each agent gets its own client id
	Prefix   string        // device ids are <prefix>0001... (default "sim")
	Start    time.Duration // agents start spread over this (default: Interval), so they do not all publish in the same millisecond
	Version  string
	Log      *slog.Logger
}

// Validate reports every unusable option.
func (o Options) Validate() error {
	var errs []error
	if o.Agents < 1 {
		errs = append(errs, fmt.Errorf("%w: --agents %d: at least 1", ErrOptions, o.Agents))
	}
	if o.Disks < 0 || o.Disks > 26 {
		errs = append(errs, fmt.Errorf("%w: --disks %d: 0 to 26", ErrOptions, o.Disks))
	}
	if o.Interval < time.Second {
		errs = append(errs, fmt.Errorf("%w: --interval %s: at least 1s", ErrOptions, o.Interval))
	}
	if o.MQTT.URL == "" {
		errs = append(errs, fmt.Errorf("%w: --broker: required", ErrOptions))
	}
	return errors.Join(errs...)
}

// Run starts the agents and runs them until ctx ends; it returns the
// errors of agents that ended early (a refused login, for one).
func Run(ctx context.Context, o Options) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if o.Prefix == "" {
		o.Prefix = "sim"
	}
	if o.Start == 0 {
		o.Start = o.Interval
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	var wg sync.WaitGroup
	errs := make([]error, o.Agents)
	step := o.Start / time.Duration(o.Agents)
	for i := range o.Agents {
		cfg, m := o.agent(i + 1)
		wg.Go(func() { // owned by Run: ends with ctx
			if step > 0 {
				t := time.NewTimer(step * time.Duration(i))
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
			}
			if err := agent.Run(ctx, cfg, o.deps(m)); err != nil {
				errs[i] = fmt.Errorf("agent %s: %w", cfg.Device.ID, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// agent is simulated agent n's config and machine.
func (o Options) agent(n int) (config.Agent, *machine) {
	m := newMachine(n, o.Disks, time.Now())
	cfg := config.Agent{Device: config.Device{ID: fmt.Sprintf("%s%04d", o.Prefix, n), Name: m.name}, MQTT: o.MQTT,
		Collect: config.Collect{Interval: o.Interval, SkipSMART: o.Disks == 0}}
	cfg.MQTT.ClientID = ""
	cfg.SetDefaults()
	return cfg, m
}

func (o Options) deps(m *machine) agent.Deps {
	c := &agent.Collectors{Host: host.New(m), Net: m.net} // the real collector over the simulated counters
	if o.Disks > 0 {
		c.Disks = m
	}
	return agent.Deps{Version: o.Version, Log: o.Log.With("sim", m.name), Collectors: c, Power: noPower{}, Relay: noRelay{},
		Machine: "homefleet-sim-" + m.name}
}
