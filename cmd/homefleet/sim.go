//go:build !agentonly

// homefleet sim: many simulated agents in one process, for load tests.

package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/homefleet/homefleet/agent/sim"
	"github.com/homefleet/homefleet/internal/config"
)

func runSim(ctx context.Context, args []string, e env) error {
	fs := flags("sim --agents N [--disks M] [--interval D] [--start D] --broker URL",
		"Runs N simulated agents in this process until Ctrl-C: each is the real agent (its own MQTT client and will,\n"+
			"discovery, state, facts and SMART documents) over a simulated machine. For load tests of a hub and a broker;\n"+
			"simulated machines offer no power verbs and send no magic packets.", e)
	o := sim.Options{Version: version}
	fs.IntVar(&o.Agents, "agents", 10, "simulated agents")
	fs.IntVar(&o.Disks, "disks", 2, "disks per agent (0: no SMART)")
	fs.DurationVar(&o.Interval, "interval", 10*time.Second, "collection interval of each agent")
	fs.StringVar(&o.MQTT.URL, "broker", "", "broker URL, e.g. mqtt://127.0.0.1:1883")
	fs.StringVar(&o.MQTT.Username, "username", "", "broker login (every agent uses it)")
	fs.StringVar(&o.MQTT.PasswordFile, "password-file", "", "file holding the login's password")
	fs.StringVar(&o.Prefix, "prefix", "sim", "device id prefix (ids are <prefix>0001, ...)")
	fs.DurationVar(&o.Start, "start", 0, "start the agents spread over this (default: --interval)")
	level := fs.String("log", "warn", "log level of the agents")
	if err := parse(fs, args); err != nil {
		return err
	}
	if o.MQTT.PasswordFile != "" {
		pw, err := os.ReadFile(o.MQTT.PasswordFile)
		if err != nil {
			return fmt.Errorf("reading --password-file: %w", err)
		}
		o.MQTT.Password, o.MQTT.PasswordFile = strings.TrimSpace(string(pw)), ""
	}
	if err := o.Validate(); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	o.Log = e.logger(config.Log{Level: *level})
	return sim.Run(ctx, o)
}
