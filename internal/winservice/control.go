// Package winservice runs the agent and the hub as native Windows services
// (golang.org/x/sys/windows/svc, no wrapper) and installs them with the
// service control manager. The control loop, the install specs, the
// size-rotated log file and the event-log handler are plain Go, tested on
// every OS; only the thin SCM adapters live in _windows.go files.
package winservice

import (
	"context"
	"time"
)

// Request is what the service control manager asks of a running service.
type Request int

// The requests a homefleet service accepts.
const (
	StopRequest Request = iota + 1
	ShutdownRequest
	InterrogateRequest
)

// State is a service state as the SCM knows it.
type State int

// The states a homefleet service passes through.
const (
	StartPending State = iota + 1
	Running
	StopPending
	Stopped
)

func (s State) String() string {
	switch s {
	case StartPending:
		return "start pending"
	case Running:
		return "running"
	case StopPending:
		return "stop pending"
	case Stopped:
		return "stopped"
	}
	return "unknown"
}

// Status is one report to the SCM.
type Status struct {
	State    State
	Accepts  bool          // stop and shutdown are accepted
	WaitHint time.Duration // how long the pending state may last
	ExitCode uint32        // service-specific, with Stopped: 0 is a clean stop
}

// Exit codes a service reports with Stopped. A non-zero code makes the SCM
// apply the recovery actions (restart with back-off), since the installer
// turns them on for non-crash failures too.
const (
	ExitOK        uint32 = 0
	ExitFailed    uint32 = 1 // the daemon returned an error by itself
	ExitStopTimed uint32 = 2 // it did not stop within the wait hint
)

// DefaultStopWait is the wait hint of a Loop that names none.
const DefaultStopWait = 20 * time.Second

// Loop is a service's control loop: the daemon, and the clock that bounds
// its stop (time.After outside tests).
type Loop struct {
	Run      func(ctx context.Context) error
	StopWait time.Duration // the wait hint given with StopPending (0: DefaultStopWait)
	After    func(time.Duration) <-chan time.Time
	OnExit   func(err error) // told why the daemon ended, before Stopped is reported (nil: nothing)
}

// Serve runs the daemon until the SCM asks it to stop, the daemon ends by
// itself, or ctx ends, reporting each state change, and returns the exit
// code it reported with Stopped.
func (l Loop) Serve(ctx context.Context, requests <-chan Request, report func(Status)) uint32 {
	after := l.After
	if after == nil {
		after = time.After
	}
	if l.StopWait <= 0 {
		l.StopWait = DefaultStopWait
	}
	report(Status{State: StartPending, WaitHint: l.StopWait})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }() // owned here: Serve waits for it or gives up after StopWait
	current := Status{State: Running, Accepts: true}
	report(current)
	stopping := func() uint32 {
		report(Status{State: StopPending, WaitHint: l.StopWait})
		cancel()
		select {
		case err := <-done:
			l.exited(err)
			return l.stopped(report, ExitOK)
		case <-after(l.StopWait):
			l.exited(context.DeadlineExceeded)
			return l.stopped(report, ExitStopTimed)
		}
	}
	for {
		select {
		case r := <-requests:
			switch r {
			case StopRequest, ShutdownRequest:
				return stopping()
			case InterrogateRequest:
				report(current)
			}
		case <-ctx.Done():
			return stopping()
		case err := <-done:
			l.exited(err)
			if err != nil {
				return l.stopped(report, ExitFailed)
			}
			return l.stopped(report, ExitOK)
		}
	}
}

func (l Loop) exited(err error) {
	if l.OnExit != nil {
		l.OnExit(err)
	}
}

func (Loop) stopped(report func(Status), code uint32) uint32 {
	report(Status{State: Stopped, ExitCode: code})
	return code
}
