package winservice

import (
	"context"
	"errors"
	"testing"
	"time"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

// scm plays the service control manager: it sends requests and keeps
// every status the loop reports.
type scm struct {
	requests chan Request
	reports  chan Status
}

func newSCM() *scm { return &scm{requests: make(chan Request), reports: make(chan Status, 16)} }

func (s *scm) report(st Status) { s.reports <- st }

func (s *scm) next(t *testing.T) Status {
	t.Helper()
	select {
	case st := <-s.reports:
		return st
	case <-time.After(10 * time.Second): // a bound on a failing test, not a timing
		t.Fatal("no status reported")
		return Status{}
	}
}

// serve starts the loop and returns its exit code channel once it is Running.
func serve(t *testing.T, ctx context.Context, l Loop, s *scm) <-chan uint32 {
	t.Helper()
	code := make(chan uint32, 1)
	go func() { code <- l.Serve(ctx, s.requests, s.report) }()
	if st := s.next(t); st.State != StartPending {
		t.Fatalf("first report %v, want start pending", st.State)
	}
	if st := s.next(t); st.State != Running || !st.Accepts {
		t.Fatalf("second report %+v, want running and accepting stop", st)
	}
	return code
}

// untilCancelled is a daemon that runs until its ctx ends and says so.
func untilCancelled(stopped chan<- struct{}) func(context.Context) error {
	return func(ctx context.Context) error {
		<-ctx.Done()
		close(stopped)
		return ctx.Err()
	}
}

func TestStopAndShutdownCancelTheDaemonAndReportStopped(t *testing.T) {
	for _, req := range []Request{StopRequest, ShutdownRequest} {
		s := newSCM()
		stopped := make(chan struct{})
		var why error
		code := serve(t, context.Background(), Loop{Run: untilCancelled(stopped), StopWait: 20 * time.Second, OnExit: func(err error) { why = err }}, s)
		s.requests <- InterrogateRequest
		if st := s.next(t); st.State != Running {
			t.Fatalf("interrogate answered %v, want running", st.State)
		}
		s.requests <- req
		if st := s.next(t); st.State != StopPending || st.WaitHint != 20*time.Second {
			t.Fatalf("after request %d: %+v, want stop pending with the 20 s wait hint", req, st)
		}
		<-stopped // the daemon's ctx was cancelled
		if st := s.next(t); st.State != Stopped || st.ExitCode != ExitOK {
			t.Fatalf("after request %d: %+v, want stopped with exit 0", req, st)
		}
		if c := <-code; c != ExitOK {
			t.Fatalf("exit code %d", c)
		}
		if !errors.Is(why, context.Canceled) {
			t.Fatalf("OnExit told %v", why)
		}
	}
}

func TestADaemonThatFailsStopsWithAnExitCodeForRecovery(t *testing.T) {
	s := newSCM()
	fail := make(chan struct{})
	boom := errors.New("connecting: refused")
	var why error
	code := serve(t, context.Background(), Loop{Run: func(context.Context) error { <-fail; return boom }, OnExit: func(err error) { why = err }}, s)
	close(fail)
	if st := s.next(t); st.State != Stopped || st.ExitCode != ExitFailed {
		t.Fatalf("%+v, want stopped with exit %d so the SCM restarts it", st, ExitFailed)
	}
	if <-code != ExitFailed || !errors.Is(why, boom) {
		t.Fatalf("exit or reason wrong: %v", why)
	}
}

func TestADaemonThatWillNotStopIsAbandonedAtTheWaitHint(t *testing.T) {
	s := newSCM()
	hint := make(chan time.Time)
	var waited time.Duration
	never := make(chan struct{})
	t.Cleanup(func() { close(never) })
	l := Loop{
		Run:      func(context.Context) error { <-never; return nil }, // ignores its ctx
		StopWait: 7 * time.Second,
		After:    func(d time.Duration) <-chan time.Time { waited = d; return hint },
	}
	code := serve(t, context.Background(), l, s)
	s.requests <- StopRequest
	if st := s.next(t); st.State != StopPending {
		t.Fatalf("%+v", st)
	}
	hint <- time.Time{} // the wait hint has passed
	if st := s.next(t); st.State != Stopped || st.ExitCode != ExitStopTimed {
		t.Fatalf("%+v, want stopped with exit %d", st, ExitStopTimed)
	}
	if <-code != ExitStopTimed || waited != 7*time.Second {
		t.Fatalf("waited %s for the daemon, want the 7 s wait hint", waited)
	}
}

func TestTheParentContextEndingStopsTheService(t *testing.T) {
	s := newSCM()
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	code := serve(t, ctx, Loop{Run: untilCancelled(stopped)}, s)
	cancel()
	if st := s.next(t); st.State != StopPending {
		t.Fatalf("%+v", st)
	}
	if st := s.next(t); st.State != Stopped || <-code != ExitOK {
		t.Fatalf("%+v", st)
	}
}
