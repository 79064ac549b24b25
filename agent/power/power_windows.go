package power

import (
	"context"
	"fmt"

	"golang.org/x/sys/windows"
)

// Win32 drives the native Windows API.
type Win32 struct{}

// New returns this OS's backend.
func New() Backend { return Win32{} }

var (
	powrprof        = windows.NewLazySystemDLL("powrprof.dll")
	setSuspendState = powrprof.NewProc("SetSuspendState")
	isPwrHibernate  = powrprof.NewProc("IsPwrHibernateAllowed")
	isPwrSuspend    = powrprof.NewProc("IsPwrSuspendAllowed")
)

// Can asks powrprof for sleep states; shutdown and reboot are always offered.
func (Win32) Can(_ context.Context, v Verb) (bool, error) {
	switch v {
	case Sleep:
		r, _, _ := isPwrSuspend.Call()
		return r != 0, nil
	case Hibernate:
		r, _, _ := isPwrHibernate.Call()
		return r != 0, nil
	case Shutdown, Reboot:
		return true, nil
	}
	return false, fmt.Errorf("%w %q", ErrUnknownVerb, v)
}

// Do enables the shutdown privilege and calls the API. Windows has no
// logind-style inhibitors; force makes shutdown/reboot not wait for apps.
func (Win32) Do(_ context.Context, v Verb, force bool) error {
	if err := enableShutdownPrivilege(); err != nil {
		return err
	}
	switch v {
	case Sleep, Hibernate:
		hibernate := uintptr(0)
		if v == Hibernate {
			hibernate = 1
		}
		if r, _, err := setSuspendState.Call(hibernate, 0, 0); r == 0 {
			return fmt.Errorf("SetSuspendState: %w", err)
		}
		return nil
	case Shutdown, Reboot:
		flags := uint32(windows.EWX_POWEROFF)
		if v == Reboot {
			flags = windows.EWX_REBOOT
		}
		if force {
			flags |= windows.EWX_FORCEIFHUNG
		}
		if err := windows.ExitWindowsEx(flags, windows.SHTDN_REASON_FLAG_PLANNED); err != nil {
			return fmt.Errorf("ExitWindowsEx: %w", err)
		}
		return nil
	}
	return fmt.Errorf("%w %q", ErrUnknownVerb, v)
}

func enableShutdownPrivilege() error {
	var token windows.Token
	if err := windows.OpenProcessToken(windows.CurrentProcess(), windows.TOKEN_ADJUST_PRIVILEGES|windows.TOKEN_QUERY, &token); err != nil {
		return fmt.Errorf("opening process token: %w", err)
	}
	defer token.Close()
	var luid windows.LUID
	if err := windows.LookupPrivilegeValue(nil, windows.StringToUTF16Ptr("SeShutdownPrivilege"), &luid); err != nil {
		return fmt.Errorf("looking up SeShutdownPrivilege: %w", err)
	}
	tp := windows.Tokenprivileges{PrivilegeCount: 1}
	tp.Privileges[0] = windows.LUIDAndAttributes{Luid: luid, Attributes: windows.SE_PRIVILEGE_ENABLED}
	if err := windows.AdjustTokenPrivileges(token, false, &tp, 0, nil, nil); err != nil {
		return fmt.Errorf("enabling SeShutdownPrivilege: %w", err)
	}
	return nil
}
