package winservice

import (
	"context"
	"time"

	"golang.org/x/sys/windows/svc"
)

// IsService reports whether the service control manager started this
// process (rather than a console).
func IsService() bool {
	ok, err := svc.IsWindowsService()
	return err == nil && ok
}

// RunService hands the process to the SCM, which runs l under name until
// it is stopped; it returns when the service has stopped.
func RunService(name string, l Loop) error {
	return svc.Run(name, handler{l})
}

type handler struct{ l Loop }

// Execute translates the SCM's change requests and status reports for the
// control loop. The library reports Stopped itself, with the exit code
// Execute returns.
func (h handler) Execute(_ []string, r <-chan svc.ChangeRequest, changes chan<- svc.Status) (bool, uint32) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reqs := make(chan Request)
	go func() { // owned by Execute: ends with its ctx
		for {
			select {
			case <-ctx.Done():
				return
			case c := <-r:
				var q Request
				switch c.Cmd {
				case svc.Stop:
					q = StopRequest
				case svc.Shutdown:
					q = ShutdownRequest
				case svc.Interrogate:
					q = InterrogateRequest
				default:
					continue
				}
				select {
				case reqs <- q:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	code := h.l.Serve(ctx, reqs, func(s Status) {
		if s.State != Stopped {
			changes <- toSvc(s)
		}
	})
	return true, code
}

func toSvc(s Status) svc.Status {
	out := svc.Status{WaitHint: uint32(s.WaitHint / time.Millisecond)}
	switch s.State {
	case StartPending:
		out.State = svc.StartPending
	case Running:
		out.State = svc.Running
	case StopPending:
		out.State = svc.StopPending
	case Stopped:
		out.State = svc.Stopped
	}
	if s.Accepts {
		out.Accepts = svc.AcceptStop | svc.AcceptShutdown
	}
	return out
}
