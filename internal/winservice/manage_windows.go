package winservice

import (
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/eventlog"
	"golang.org/x/sys/windows/svc/mgr"
)

// Install registers s with the SCM for the running executable: automatic
// (delayed) start as LocalSystem, restart on failure with s's back-off
// (also when the daemon exits with an error rather than crashing), and an
// event log source of its name.
func Install(s Spec) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("installing %s: finding this executable: %w", s.Name, err)
	}
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("installing %s: connecting to the service manager (run as Administrator): %w", s.Name, err)
	}
	defer m.Disconnect()
	if old, err := m.OpenService(s.Name); err == nil {
		_ = old.Close()
		return fmt.Errorf("installing %s: already installed (homefleet service uninstall %s first)", s.Name, s.Role)
	}
	ws, err := m.CreateService(s.Name, exe, mgr.Config{
		DisplayName: s.DisplayName, Description: s.Description,
		StartType: mgr.StartAutomatic, DelayedAutoStart: s.Delayed, ErrorControl: mgr.ErrorNormal,
	}, s.Args...)
	if err != nil {
		return fmt.Errorf("installing %s: %w", s.Name, err)
	}
	defer ws.Close()
	if err := configure(ws, s); err != nil {
		_ = ws.Delete() // not half installed
		return err
	}
	return nil
}

func configure(ws *mgr.Service, s Spec) error {
	actions := make([]mgr.RecoveryAction, len(s.Restart))
	for i, d := range s.Restart {
		actions[i] = mgr.RecoveryAction{Type: mgr.ServiceRestart, Delay: d}
	}
	if err := ws.SetRecoveryActions(actions, uint32(s.ResetAfter/time.Second)); err != nil {
		return fmt.Errorf("installing %s: setting its recovery actions: %w", s.Name, err)
	}
	if err := ws.SetRecoveryActionsOnNonCrashFailures(true); err != nil {
		return fmt.Errorf("installing %s: setting its recovery actions: %w", s.Name, err)
	}
	_ = eventlog.Remove(s.Name) // left behind by an earlier install, maybe
	if err := eventlog.InstallAsEventCreate(s.Name, eventlog.Error|eventlog.Warning|eventlog.Info); err != nil {
		return fmt.Errorf("installing %s: adding its event log source: %w", s.Name, err)
	}
	return nil
}

// Uninstall stops s if it runs, then removes it and its event log source.
func Uninstall(s Spec) error {
	if err := Stop(s); err != nil && !errors.Is(err, ErrNotInstalled) {
		return err
	}
	return withService(s, "uninstalling", func(ws *mgr.Service) error {
		if err := ws.Delete(); err != nil {
			return err
		}
		_ = eventlog.Remove(s.Name)
		return nil
	})
}

// Start starts s and waits until it reports Running.
func Start(s Spec) error {
	return withService(s, "starting", func(ws *mgr.Service) error {
		if err := ws.Start(); err != nil {
			return err
		}
		return waitFor(ws, svc.Running, 30*time.Second)
	})
}

// Stop asks s to stop and waits until it has, up to its wait hint and a
// little more. Stopping a stopped service is not an error.
func Stop(s Spec) error {
	return withService(s, "stopping", func(ws *mgr.Service) error {
		st, err := ws.Query()
		if err != nil {
			return err
		}
		if st.State == svc.Stopped {
			return nil
		}
		if _, err := ws.Control(svc.Stop); err != nil {
			return err
		}
		return waitFor(ws, svc.Stopped, s.StopWait+5*time.Second)
	})
}

// Query reports s's state.
func Query(s Spec) (State, error) {
	var state State
	err := withService(s, "querying", func(ws *mgr.Service) error {
		st, err := ws.Query()
		if err != nil {
			return err
		}
		state = fromSvc(st.State)
		return nil
	})
	return state, err
}

func withService(s Spec, doing string, f func(*mgr.Service) error) error {
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("%s %s: connecting to the service manager (run as Administrator): %w", doing, s.Name, err)
	}
	defer m.Disconnect()
	ws, err := m.OpenService(s.Name)
	if err != nil {
		return fmt.Errorf("%s %s: %w (homefleet service install %s)", doing, s.Name, ErrNotInstalled, s.Role)
	}
	defer ws.Close()
	if err := f(ws); err != nil {
		return fmt.Errorf("%s %s: %w", doing, s.Name, err)
	}
	return nil
}

func waitFor(ws *mgr.Service, want svc.State, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		st, err := ws.Query()
		if err != nil {
			return err
		}
		if st.State == want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("still %s after %s", fromSvc(st.State), limit)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func fromSvc(s svc.State) State {
	switch s {
	case svc.StartPending:
		return StartPending
	case svc.Running:
		return Running
	case svc.StopPending:
		return StopPending
	case svc.Stopped:
		return Stopped
	}
	return 0
}

// OpenEventLog opens the event log source of an installed service.
func OpenEventLog(name string) (EventLog, func() error, error) {
	l, err := eventlog.Open(name)
	if err != nil {
		return nil, nil, fmt.Errorf("opening the event log: %w", err)
	}
	return l, l.Close, nil
}
