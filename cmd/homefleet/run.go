package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/homefleet/homefleet/internal/config"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
	// exitCancelled is a command stopped by Ctrl-C (128 + SIGINT), as a
	// shell reports it.
	exitCancelled = 130
)

// env is what a command may read besides its flags.
type env struct {
	stdout, stderr io.Writer
	lookup         config.LookupEnv
}

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, e env) error
}

// commands is the explicit list of subcommands.
func commands() []command {
	return []command{
		{"agent", "run the agent for this machine", runAgent},
		{"hub", "run the hub (with an embedded broker unless mqtt.url is set)", runHub},
		{"demo", "hub + embedded broker + an agent for this machine, in one process", runDemo},
		{"check-config", "validate a config file and print it with secrets redacted", runCheckConfig},
		{"discovery", "discovery print: print this machine's HA discovery payload", runDiscovery},
		{"acl", "render the fleet's logins and ACL for an external Mosquitto (or HA's Mosquitto add-on)", runACL},
		{"wake", "send Wake-on-LAN magic packets for a MAC address", runWake},
		{"smart", "print this machine's disks and their SMART health (--json for the published documents)", runSmart},
		{"predict", "predict eval|fit: score the disk-failure predictor on the Backblaze history", runPredict},
		{"version", "print the version", runVersion},
	}
}

var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdout, stderr io.Writer, lookup config.LookupEnv) int {
	e := env{stdout: stdout, stderr: stderr, lookup: lookup}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], e)
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.Is(err, context.Canceled):
			fmt.Fprintf(stderr, "homefleet %s: cancelled\n", c.name)
			return exitCancelled
		case errors.Is(err, errUsage):
			fmt.Fprintf(stderr, "homefleet %s: %v\n", c.name, err)
			return exitUsage
		default:
			fmt.Fprintf(stderr, "homefleet %s: %v\n", c.name, err)
			return exitError
		}
	}
	fmt.Fprintf(stderr, "homefleet: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "homefleet keeps a home's machines healthy, reachable and asleep when idle, in Home Assistant over MQTT.")
	fmt.Fprintln(w, "\nUsage: homefleet <command> [flags]   (homefleet <command> --help for its flags)\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
	}
}

// flags returns a FlagSet that prints its usage to stderr and returns errors.
func flags(name, synopsis string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: homefleet %s\n\n%s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return nil
}

func newLogger(w io.Writer, l config.Log) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(strings.ToUpper(l.Level)))
	opts := &slog.HandlerOptions{Level: lv}
	if l.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
