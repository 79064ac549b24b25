package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/homefleet/homefleet/agent"
	"github.com/homefleet/homefleet/agent/collect/smart"
	"github.com/homefleet/homefleet/internal/wire"
)

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
