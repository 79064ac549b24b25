package power

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"
)

const (
	logindDest = "org.freedesktop.login1"
	logindPath = "/org/freedesktop/login1"
	logindMgr  = "org.freedesktop.login1.Manager"
)

// Logind drives systemd-logind over the system bus.
type Logind struct{}

// New returns this OS's backend.
func New() Backend { return Logind{} }

var logindMethods = map[Verb][2]string{ //nolint:gochecknoglobals // fixed table
	Sleep: {"CanSuspend", "Suspend"}, Hibernate: {"CanHibernate", "Hibernate"},
	Shutdown: {"CanPowerOff", "PowerOff"}, Reboot: {"CanReboot", "Reboot"},
}

func (Logind) obj() (dbus.BusObject, error) {
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		return nil, fmt.Errorf("connecting to the system bus: %w", err)
	}
	return conn.Object(logindDest, logindPath), nil
}

// Can asks logind's Can* method; only "yes" counts.
func (l Logind) Can(ctx context.Context, v Verb) (bool, error) {
	m, ok := logindMethods[v]
	if !ok {
		return false, fmt.Errorf("%w %q", ErrUnknownVerb, v)
	}
	o, err := l.obj()
	if err != nil {
		return false, err
	}
	var answer string
	if err := o.CallWithContext(ctx, logindMgr+"."+m[0], 0).Store(&answer); err != nil {
		return false, fmt.Errorf("logind %s: %w", m[0], err)
	}
	return answer == "yes", nil
}

// Do checks blocking inhibitors (unless force) and calls logind.
func (l Logind) Do(ctx context.Context, v Verb, force bool) error {
	m, ok := logindMethods[v]
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownVerb, v)
	}
	o, err := l.obj()
	if err != nil {
		return err
	}
	if !force {
		var inh [][]any
		if err := o.CallWithContext(ctx, logindMgr+".ListInhibitors", 0).Store(&inh); err == nil {
			if who := blocking(inh, v); who != "" {
				return fmt.Errorf("%s: %w: %s", v, ErrInhibited, who)
			}
		}
	}
	if err := o.CallWithContext(ctx, logindMgr+"."+m[1], 0, false).Err; err != nil {
		return fmt.Errorf("logind %s: %w", m[1], err)
	}
	return nil
}
