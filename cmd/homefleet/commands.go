package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/homefleet/homefleet/agent"
	"github.com/homefleet/homefleet/agent/collect/smart"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/wire"
)

func runCheckConfig(_ context.Context, args []string, e env) error {
	fs := flags("check-config --config FILE [--role agent|hub]", "Validates a config file (with env overrides) and prints it, secrets redacted.", e)
	path := fs.String("config", "", "config file to check")
	role := fs.String("role", "agent", "agent or hub")
	if err := parse(fs, args); err != nil {
		return err
	}
	var s fmt.Stringer
	var err error
	switch *role {
	case "agent":
		s, err = config.LoadAgent(*path, e.lookup)
	case "hub":
		s, err = loadHubChecked(*path, e.lookup)
	default:
		return fmt.Errorf("%w: --role %q: must be agent or hub", errUsage, *role)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "# %s config is valid\n%s", *role, s)
	return nil
}

func runDiscovery(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || args[0] != "print" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(e.stderr, "Usage: homefleet discovery print [--config FILE]")
			return nil
		}
		return fmt.Errorf("%w: want 'discovery print'", errUsage)
	}
	fs := flags("discovery print [--config FILE]",
		"Prints, as one JSON object by topic, every HA discovery config the agent publishes on this machine\n(the agent's own code path: host, disks, probes).", e)
	path := fs.String("config", "", "agent config file (device id and name, probes, what is collected); optional")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	cfg, err := loadAgentLoose(*path, e)
	if err != nil {
		return err
	}
	configs, err := agent.Discovery(ctx, cfg, agent.Deps{Version: version})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(configs)
}

// loadAgentLoose loads an agent config but does not require a broker URL,
// for commands that never connect.
func loadAgentLoose(path string, e env) (config.Agent, error) {
	lookup := func(k string) (string, bool) {
		if k == config.EnvPrefix+"MQTT_URL" {
			if v, ok := e.lookup(k); ok {
				return v, true
			}
			return "mqtt://localhost:1883", true
		}
		return e.lookup(k)
	}
	return config.LoadAgent(path, lookup)
}

func runVersion(_ context.Context, args []string, e env) error {
	fs := flags("version", "Prints the version.", e)
	if err := parse(fs, args); err != nil {
		return err
	}
	c, d := buildStamp()
	fmt.Fprintf(e.stdout, "homefleet %s (commit %s, built %s) %s/%s %s%s\n", version, c, d, runtime.GOOS, runtime.GOARCH, runtime.Version(), buildKind)
	return nil
}

// buildStamp is the commit and build date stamped by the linker, else
// the VCS revision and commit time go build recorded ("unknown" for go
// run and tests).
func buildStamp() (rev, at string) {
	rev, at = commit, date
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && rev == "":
				rev = s.Value
			case s.Key == "vcs.time" && at == "":
				at = s.Value
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	return cmp.Or(rev, "unknown"), cmp.Or(at, "unknown")
}

func runSmart(ctx context.Context, args []string, e env) error {
	fs := flags("smart [--json]", "Reads this machine's disks (SMART) and prints them as a table, or as the JSON the agent publishes.", e)
	asJSON := fs.Bool("json", false, "print the disk documents as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	results, err := smart.New().Collect(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	docs := make([]wire.Disk, 0, len(results))
	for _, r := range results {
		docs = append(docs, agent.DiskToWire(r, now))
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(docs)
	}
	if len(docs) == 0 {
		fmt.Fprintln(e.stdout, "no physical disks found")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DISK\tMODEL\tSERIAL\tTYPE\tTEMP\tPOWER-ON\tREALLOC\tPENDING\tUNCORR\tHEALTH\tSTATUS")
	for _, d := range docs {
		health := "?"
		if d.Health.Known {
			health = "PASSED"
			if !d.Health.Passed {
				health = "FAILING"
			}
		}
		status := d.Status
		if d.Error != "" {
			status += ": " + d.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.Name, dash(d.Model), dash(d.Serial), dash(d.Protocol),
			num(d.Temperature, "°C"), unum(d.PowerOnHours, " h"), unum(d.Counts.Reallocated, ""), unum(d.Counts.Pending, ""),
			unum(d.Counts.Uncorrectable, ""), health, status)
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func num(v *float64, unit string) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v, 'f', 0, 64) + unit
}

func unum(v *uint64, unit string) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatUint(*v, 10) + unit
}
