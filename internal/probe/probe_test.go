package probe

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/testsmb"
	"github.com/homefleet/homefleet/internal/wire"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

func once(kind, target string) wire.Probe {
	return Once(context.Background(), config.Probe{Name: "p", Kind: kind, Target: target, Timeout: 2 * time.Second}, time.Now)
}

// listener accepts connections and hands each to serve.
func listener(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); serve(c) }()
		}
	}()
	return l.Addr().String()
}

// TestSMBAgainstSamba: a real smbd answers the negotiate; stopped, the
// probe says the connection is refused; a port that accepts but does not
// speak SMB is caught.
func TestSMBAgainstSamba(t *testing.T) {
	s := testsmb.Start(t)
	r := once(config.ProbeSMB, s.Addr)
	if !r.Up || !strings.HasPrefix(r.Detail, "SMB ") || r.LatencyMS <= 0 {
		t.Fatalf("smbd up: %+v", r)
	}
	t.Logf("up: %s in %.2f ms", r.Detail, r.LatencyMS)
	s.Stop()
	if r := once(config.ProbeSMB, s.Addr); r.Up || !strings.Contains(r.Error, "connection refused") {
		t.Errorf("smbd stopped: %+v", r)
	} else {
		t.Logf("stopped: %s", r.Error)
	}

	silent := listener(t, func(c net.Conn) { time.Sleep(3 * time.Second) })
	r = Once(context.Background(), config.Probe{Kind: config.ProbeSMB, Target: silent, Timeout: 500 * time.Millisecond}, time.Now)
	if r.Up || !strings.Contains(r.Error, "port open") || !strings.Contains(r.Error, "no SMB answer") {
		t.Errorf("silent port: %+v", r)
	} else {
		t.Logf("port open, no SMB: %s", r.Error)
	}
	httpish := listener(t, func(c net.Conn) { _, _ = c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n")) })
	if r := once(config.ProbeSMB, httpish); r.Up || !strings.Contains(r.Error, "not SMB") {
		t.Errorf("http on the port: %+v", r)
	}
	closer := listener(t, func(net.Conn) {})
	if r := once(config.ProbeSMB, closer); r.Up || !strings.Contains(r.Error, "closed the connection") {
		t.Errorf("closing port: %+v", r)
	}
	s.Restart()
	if r := once(config.ProbeSMB, s.Addr); !r.Up {
		t.Errorf("smbd restarted: %+v", r)
	}
}

func TestTCPHTTPDNS(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(401) }))
	defer ok.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(502) }))
	defer broken.Close()
	pc, _ := net.ListenPacket("udp", "127.0.0.1:0")
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		if q.Question[0].Qtype == dns.TypeA && q.Question[0].Name == "nas.home.test." {
			rr, _ := dns.NewRR("nas.home.test. 60 IN A 81.2.69.142")
			m.Answer = append(m.Answer, rr)
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	defer func() { _ = srv.Shutdown() }()
	dnsAddr := pc.LocalAddr().String()
	closed := listener(t, func(net.Conn) {})

	tests := []struct {
		p    config.Probe
		up   bool
		want string
	}{
		{config.Probe{Kind: config.ProbeTCP, Target: closed}, true, ""},
		{config.Probe{Kind: config.ProbeTCP, Target: "127.0.0.1:1"}, false, "refused"},
		{config.Probe{Kind: config.ProbeHTTP, Target: ok.URL}, true, ""},
		{config.Probe{Kind: config.ProbeHTTP, Target: broken.URL}, false, "502"},
		{config.Probe{Kind: config.ProbeDNS, Target: "nas.home.test", Server: dnsAddr, Expect: "81.2.69.142"}, true, ""},
		{config.Probe{Kind: config.ProbeDNS, Target: "nas.home.test", Server: dnsAddr, Expect: "81.2.69.200"}, false, "not 81.2.69.200"},
		{config.Probe{Kind: config.ProbeDNS, Target: "gone.home.test", Server: dnsAddr}, false, "no address"},
	}
	for _, tt := range tests {
		tt.p.Timeout = 2 * time.Second
		r := Once(context.Background(), tt.p, time.Now)
		if r.Up != tt.up || !strings.Contains(r.Error, tt.want) {
			t.Errorf("%s %s: %+v", tt.p.Kind, tt.p.Target, r)
		}
	}
}

func TestRunReportsEachProbe(t *testing.T) {
	closed := listener(t, func(net.Conn) {})
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan string, 10)
	done := make(chan struct{})
	go func() {
		Run(ctx, []config.Probe{
			{Name: "a", Kind: config.ProbeTCP, Target: closed, Interval: time.Hour, Timeout: time.Second},
			{Name: "b", Kind: config.ProbeTCP, Target: "127.0.0.1:1", Interval: time.Hour, Timeout: time.Second},
		}, func(name string, r wire.Probe) { got <- name + map[bool]string{true: " up", false: " down"}[r.Up] })
		close(done)
	}()
	seen := map[string]bool{<-got: true, <-got: true}
	cancel()
	<-done
	if !seen["a up"] || !seen["b down"] {
		t.Errorf("reports %v", seen)
	}
}

func FuzzParseNegotiate(f *testing.F) {
	ok := make([]byte, 4+64+65)
	copy(ok[4:], "\xfeSMB")
	ok[4+64] = 65
	ok[4+64+4] = 0x02
	ok[4+64+5] = 0x03
	f.Add(ok)
	f.Add(NegotiateRequest())
	f.Fuzz(func(t *testing.T, msg []byte) {
		d, err := ParseNegotiate(msg)
		if err == nil && !strings.HasPrefix(d, "SMB ") {
			t.Fatalf("dialect %q", d)
		}
		if err != nil && d != "" {
			t.Fatal("dialect with an error")
		}
	})
}

// TestNoSMBWords: a close at any moment reads the same to the user,
// whether it surfaced as EOF or as a reset (the flake it replaces: a
// reset racing the read said "connection reset by peer").
func TestNoSMBWords(t *testing.T) {
	for _, err := range []error{io.EOF, io.ErrUnexpectedEOF, &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, syscall.EPIPE} {
		if got := noSMB(err); !errors.Is(got, errClosed) {
			t.Errorf("%v: %v", err, got)
		}
	}
	if got := noSMB(errors.New("other")); got.Error() != "other" {
		t.Errorf("other errors pass through: %v", got)
	}
}
