//go:build !agentonly

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/homefleet/homefleet/hub/predict/eval"
)

func runPredict(_ context.Context, args []string, e env) error {
	if len(args) == 0 || (args[0] != "eval" && args[0] != "fit") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(e.stderr, "Usage: homefleet predict eval --data FILE [--json] [--alerts-out FILE] [--time-alerts-out FILE] [--plot DIR]\n       homefleet predict fit --data FILE --out model.json")
			return nil
		}
		return fmt.Errorf("%w: want 'predict eval' or 'predict fit'", errUsage)
	}
	if args[0] == "fit" {
		return runPredictFit(args[1:], e)
	}
	fs := flags("predict eval --data FILE [--json] [--alerts-out FILE] [--time-alerts-out FILE] [--plot DIR]",
		"Replays the Backblaze start-stop history through the predictor (held-out drives and a time split)\nand prints its figures next to the baseline rule \"alert on any increase of 5/187/197/198\".", e)
	data := fs.String("data", "", "hds_backblaze_2013_2016_startstop.csv.gz")
	asJSON := fs.Bool("json", false, "print JSON")
	alertsOut := fs.String("alerts-out", "", "write the held-out predictor's alerts as CSV serial,hour,level")
	timeAlertsOut := fs.String("time-alerts-out", "", "write the time split's alerts after the cutoff, same CSV (hour on the power-on axis)")
	plotDir := fs.String("plot", "", "draw the curves and the calibration as SVG and PNG into this directory")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	drives, err := loadDrives(*data)
	if err != nil {
		return err
	}
	r, err := eval.Run(drives)
	if err != nil {
		return err
	}
	for _, out := range []struct {
		flag, path string
		write      func(io.Writer) error
	}{{"--alerts-out", *alertsOut, r.WriteAlerts}, {"--time-alerts-out", *timeAlertsOut, r.WriteTimeAlerts}} {
		if err := writeFile(out.flag, out.path, out.write); err != nil {
			return err
		}
	}
	if *plotDir != "" {
		if err := writePlots(r, *plotDir); err != nil {
			return fmt.Errorf("--plot %s: %w", *plotDir, err)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	r.WriteText(e.stdout)
	return nil
}

func runPredictFit(args []string, e env) error {
	fs := flags("predict fit --data FILE --out model.json", "Fits the predictor on the training folds (FNV-1a(serial) % 5 != 4) and writes the model.", e)
	data := fs.String("data", "", "hds_backblaze_2013_2016_startstop.csv.gz")
	out := fs.String("out", "", "model file to write (hub/predict/model.json ships with homefleet)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("%w: --out is required", errUsage)
	}
	drives, err := loadDrives(*data)
	if err != nil {
		return err
	}
	m, err := eval.FitTraining(drives)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return fmt.Errorf("encoding model: %w", err)
	}
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil { //nolint:gosec // a model file
		return fmt.Errorf("writing model: %w", err)
	}
	fmt.Fprintf(e.stdout, "wrote %s (critical threshold %.4f, watch threshold %.4f)\n", *out, m.CriticalThreshold, m.WatchThreshold)
	return nil
}

// writeFile writes path (given with flag) with write; an empty path writes nothing.
func writeFile(flag, path string, write func(io.Writer) error) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("creating %s: %w", flag, err)
	}
	werr := write(f)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("%s %s: %w", flag, path, werr)
	}
	return nil
}

// loadDrives reads the Backblaze history given with --data.
func loadDrives(path string) ([]*eval.Drive, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: --data is required", errUsage)
	}
	return eval.Load(path)
}
