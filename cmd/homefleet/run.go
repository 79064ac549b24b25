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
	events         slog.Handler // also gets the daemons' log records (the Windows event log), or nil
}

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, e env) error
}

// commands is the explicit list of subcommands.
func commands() []command {
	return []command{
		{"agent", "run the agent for this machine", runAgent},
		{"hub", "run the hub (with an embedded broker unless mqtt.url is set); hub status: the failover members and leader", runHub},
		{"demo", "hub + embedded broker + an agent for this machine, in one process", runDemo},
		{"check-config", "validate a config file and print it with secrets redacted", runCheckConfig},
		{"discovery", "discovery print: print this machine's HA discovery payload", runDiscovery},
		{"acl", "render the fleet's logins and ACL for an external Mosquitto (or HA's Mosquitto add-on)", runACL},
		{"wake", "send Wake-on-LAN magic packets for a MAC address", runWake},
		{"smart", "print this machine's disks and their SMART health (--json for the published documents)", runSmart},
		{"predict", "predict eval|fit: score the disk-failure predictor on the Backblaze history", runPredict},
		{"sim", "run N simulated agents against a broker (load tests)", runSim},
		{"service", "install|uninstall|start|stop|status [agent|hub]: the Windows services", runService},
		{"version", "print the version", runVersion},
	}
}

var errUsage = errors.New("usage")

// run runs the command args name and maps its outcome to an exit code,
// printing any error to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, lookup config.LookupEnv) int {
	e := env{stdout: stdout, stderr: stderr, lookup: lookup}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(e.stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	err := execute(ctx, args, e)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUnknownCommand):
		fmt.Fprintf(e.stderr, "homefleet: %v\n\n", err)
		usage(e.stderr)
		return exitUsage
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(e.stderr, "homefleet %s: cancelled\n", args[0])
		return exitCancelled
	case errors.Is(err, errUsage):
		fmt.Fprintf(e.stderr, "homefleet %s: %v\n", args[0], err)
		return exitUsage
	default:
		fmt.Fprintf(e.stderr, "homefleet %s: %v\n", args[0], err)
		return exitError
	}
}

var errUnknownCommand = errors.New("unknown command")

// execute runs the command args names.
func execute(ctx context.Context, args []string, e env) error {
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], e)
		}
	}
	return fmt.Errorf("%w %q", errUnknownCommand, args[0])
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

// logger is a daemon's logger: to stderr at the configured level and
// format, and to e.events when the process runs as a Windows service.
func (e env) logger(l config.Log) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(strings.ToUpper(l.Level)))
	opts := &slog.HandlerOptions{Level: lv}
	var h slog.Handler = slog.NewTextHandler(e.stderr, opts)
	if l.Format == "json" {
		h = slog.NewJSONHandler(e.stderr, opts)
	}
	if e.events != nil {
		h = slog.NewMultiHandler(h, e.events)
	}
	return slog.New(h)
}
