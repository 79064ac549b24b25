// homefleet service: the agent and the hub as native Windows services, and
// what the process does when the service control manager starts it.

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"

	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/winservice"
)

// serviceVerbs are the `homefleet service` verbs and the role each acts
// on when none is named ("" = every role).
var serviceVerbs = []struct{ name, defaultRole string }{
	{"install", "agent"}, {"uninstall", ""}, {"start", "agent"}, {"stop", ""}, {"status", ""},
}

func runService(_ context.Context, args []string, e env) error {
	fs := flags("service install|uninstall|start|stop|status [agent|hub] [--config FILE]",
		"Manages the Windows services homefleet-agent and homefleet-hub (run as Administrator): install registers them\n"+
			"with automatic (delayed) start and restart on failure, logging to the event log and to\n"+
			`%ProgramData%\homefleet\<role>.log. Without a role, install and start act on the agent, the rest on both.`+"\n"+
			"On Linux the packages' systemd units do this: systemctl enable --now homefleet-agent.", e)
	configFile := fs.String("config", "", "config file the service runs with (default: <role>.yaml beside its log)")
	if len(args) == 0 {
		fs.Usage()
		return fmt.Errorf("%w: a verb is needed", errUsage)
	}
	verb, rest := args[0], args[1:]
	i := slices.IndexFunc(serviceVerbs, func(v struct{ name, defaultRole string }) bool { return v.name == verb })
	if i < 0 {
		return fmt.Errorf("%w: unknown verb %q (want install, uninstall, start, stop or status)", errUsage, verb)
	}
	role := serviceVerbs[i].defaultRole
	if len(rest) > 0 && rest[0] != "" && rest[0][0] != '-' {
		role, rest = rest[0], rest[1:]
	}
	if err := parse(fs, rest); err != nil {
		return err
	}
	specs, err := winservice.Specs(role, config.StateDir(), *configFile)
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	var errs []error
	for _, s := range specs {
		err := serviceVerb(verb, s, e)
		if errors.Is(err, winservice.ErrUnsupported) {
			return err // once, not per role
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func serviceVerb(verb string, s winservice.Spec, e env) error {
	var err error
	switch verb {
	case "install":
		if err = winservice.Install(s); err == nil {
			fmt.Fprintf(e.stdout, "installed %s: runs %q with automatic (delayed) start; logs to %s and the event log\n", s.Name, s.Args, s.LogFile)
		}
	case "uninstall":
		if err = winservice.Uninstall(s); errors.Is(err, winservice.ErrNotInstalled) {
			return nil // uninstalling both: one may never have been installed
		}
	case "start":
		err = winservice.Start(s)
	case "stop":
		if err = winservice.Stop(s); errors.Is(err, winservice.ErrNotInstalled) {
			return nil
		}
	case "status":
		var st winservice.State
		st, err = winservice.Query(s)
		switch {
		case errors.Is(err, winservice.ErrNotInstalled):
			fmt.Fprintf(e.stdout, "%s: not installed\n", s.Name)
			return nil
		case err == nil:
			fmt.Fprintf(e.stdout, "%s: %s\n", s.Name, st)
		}
	}
	if errors.Is(err, winservice.ErrUnsupported) {
		return fmt.Errorf("%w; on Linux the packages install systemd units: systemctl %s homefleet-agent (or homefleet-hub)", err, systemctlVerb(verb))
	}
	return err
}

func systemctlVerb(verb string) string {
	switch verb {
	case "install":
		return "enable --now"
	case "uninstall":
		return "disable --now"
	}
	return verb
}

// serveService runs args (the daemon and its flags, as the installer
// registered them) under the service control manager, logging to the
// role's rotated file and, from warnings up, to the event log.
func serveService(args []string) int {
	if len(args) == 0 {
		return exitUsage
	}
	s, err := winservice.For(args[0], config.StateDir(), "")
	if err != nil {
		return exitUsage
	}
	lf, err := winservice.OpenLog(s.LogFile, s.LogMax, s.LogKeep)
	if err != nil {
		return exitError // nowhere to say why; the SCM records the exit
	}
	defer lf.Close()
	e := env{stdout: lf, stderr: lf, lookup: os.LookupEnv}
	events := slog.New(slog.DiscardHandler)
	if el, closeLog, err := winservice.OpenEventLog(s.Name); err == nil {
		defer closeLog()
		e.events = winservice.EventHandler(el, slog.LevelWarn)
		events = slog.New(winservice.EventHandler(el, slog.LevelInfo))
	} else {
		fmt.Fprintf(lf, "homefleet %s: %v (logging to this file only)\n", s.Role, err)
	}
	loop := winservice.Loop{
		StopWait: s.StopWait,
		Run: func(ctx context.Context) error {
			events.Info("service started", "service", s.Name, "version", version, "args", args[1:], "log", s.LogFile)
			return execute(ctx, args, e)
		},
		OnExit: func(err error) {
			if err == nil || errors.Is(err, context.Canceled) {
				events.Info("service stopped", "service", s.Name)
				return
			}
			fmt.Fprintf(lf, "homefleet %s: %v\n", s.Role, err)
			events.Error("service failed; the service manager restarts it", "service", s.Name, "err", err)
		},
	}
	if err := winservice.RunService(s.Name, loop); err != nil {
		fmt.Fprintf(lf, "homefleet %s: running as a service: %v\n", s.Role, err)
		return exitError
	}
	return exitOK
}
