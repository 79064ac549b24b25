package winservice

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"
)

// Sentinels.
var (
	ErrUnknownRole  = errors.New("unknown service role")
	ErrUnsupported  = errors.New("Windows services exist only on Windows")
	ErrNotInstalled = errors.New("service not installed")
)

// Roles are the daemons that run as services, in the order `service`
// commands without a role act on them.
var Roles = []string{"agent", "hub"}

// Spec is how one daemon is registered with the SCM.
type Spec struct {
	Role        string
	Name        string // service name, as `sc query` and the event log source know it
	DisplayName string
	Description string
	Args        []string // after the executable: the daemon and its config file
	Delayed     bool     // automatic start, delayed until after boot's other services
	// Restart is the recovery back-off: the SCM restarts the service after
	// each delay in turn and repeats the last for every later failure; the
	// count resets after ResetAfter without a failure.
	Restart    []time.Duration
	ResetAfter time.Duration
	StopWait   time.Duration // the wait hint: the daemon is stopped within it
	LogFile    string        // size-rotated log under %ProgramData%\homefleet
	LogMax     int64         // bytes before the file is rotated
	LogKeep    int           // rotated files kept beside it
}

// For is the spec of role's service, with its config and log under dir
// (%ProgramData%\homefleet). An empty config means dir\<role>.yaml.
func For(role, dir, configFile string) (Spec, error) {
	var display, desc string
	switch role {
	case "agent":
		display = "homefleet agent"
		desc = "Publishes this machine's metrics and disk health to Home Assistant over MQTT and carries out its power commands."
	case "hub":
		display = "homefleet hub"
		desc = "Keeps the fleet's history, predicts disk failures, sends Wake-on-LAN, runs power schedules and updates DDNS."
	default:
		return Spec{}, fmt.Errorf("%w %q (want agent or hub)", ErrUnknownRole, role)
	}
	if configFile == "" {
		configFile = filepath.Join(dir, role+".yaml")
	}
	return Spec{
		Role: role, Name: "homefleet-" + role, DisplayName: display, Description: desc,
		Args:       []string{role, "--config", configFile},
		Delayed:    true,
		Restart:    []time.Duration{5 * time.Second, 30 * time.Second, 2 * time.Minute},
		ResetAfter: 24 * time.Hour,
		// The daemons stop in well under a second (the MQTT disconnect
		// waits at most 250 ms); 20 s leaves room for a job being killed.
		StopWait: DefaultStopWait,
		LogFile:  filepath.Join(dir, role+".log"),
		LogMax:   10 << 20,
		LogKeep:  3,
	}, nil
}

// Specs resolves the role argument of a `service` command: one role, or
// every role when it is empty.
func Specs(role, dir, configFile string) ([]Spec, error) {
	roles := Roles
	if role != "" {
		roles = []string{role}
	} else if configFile != "" {
		return nil, fmt.Errorf("--config needs a role (agent or hub): %w", ErrUnknownRole)
	}
	specs := make([]Spec, 0, len(roles))
	for _, r := range roles {
		s, err := For(r, dir, configFile)
		if err != nil {
			return nil, err
		}
		specs = append(specs, s)
	}
	return specs, nil
}
