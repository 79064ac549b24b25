package dyndns2

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/homefleet/homefleet/hub/internet/ddns"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

func TestParseReply(t *testing.T) {
	tests := []struct {
		line string
		want Outcome
		err  bool
	}{
		{"good 81.2.69.142", Updated, false},
		{"nochg 81.2.69.142\n", Unchanged, false},
		{"good", Updated, false},
		{"badauth", Disabled, false},
		{"nohost", Disabled, false},
		{"notfqdn", Disabled, false},
		{"abuse", Disabled, false},
		{"!donator", Disabled, false},
		{"numhost", Disabled, false},
		{"badagent", Disabled, false},
		{"badsys", Disabled, false},
		{"911", BackOff, false},
		{"dnserr", BackOff, false},
		{"<html>503</html>", 0, true},
		{"good not-an-ip", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		r, err := ParseReply(tt.line)
		if (err != nil) != tt.err || (!tt.err && r.Outcome != tt.want) {
			t.Errorf("%q: %+v %v", tt.line, r, err)
		}
		if err != nil && !errors.Is(err, ErrReply) {
			t.Errorf("%q: want ErrReply, got %v", tt.line, err)
		}
	}
	rs, err := ParseReplies("good 81.2.69.142\nnohost\n")
	if err != nil || len(rs) != 2 || rs[1].Outcome != Disabled || rs[1].Reason == "" {
		t.Errorf("multi-host: %+v %v", rs, err)
	}
}

func FuzzParseReply(f *testing.F) {
	for _, s := range []string{"good 1.2.3.4", "nochg", "911", "badauth", "<html>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseReply(s)
		if err != nil && !errors.Is(err, ErrReply) {
			t.Fatalf("unexpected error kind %v", err)
		}
		if err == nil && r.Code == "" {
			t.Fatal("accepted a reply without a code")
		}
	})
}

func TestAgainstFake(t *testing.T) {
	next := "good 81.2.69.142"
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, pw, ok := r.BasicAuth()
		got = append(got, r.URL.Query().Get("hostname")+"="+r.URL.Query().Get("myip")+" ua="+r.UserAgent())
		if !ok || u != "user" || pw != "pass" {
			_, _ = w.Write([]byte("badauth"))
			return
		}
		_, _ = w.Write([]byte(next))
	}))
	defer srv.Close()
	p, err := New(Settings{URL: srv.URL + "/nic/update", Username: "user", Password: "pass"}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := ddns.Record{Name: "home.ddns.net", Type: "A"}
	ip := netip.MustParseAddr("81.2.69.142")
	var ra *ddns.RetryAfterError
	for _, tt := range []struct {
		reply string
		check func(error) bool
	}{
		{"good 81.2.69.142", func(err error) bool { return err == nil }},
		{"nochg 81.2.69.142", func(err error) bool { return err == nil }},
		{"good 81.2.69.1", func(err error) bool { return errors.Is(err, ddns.ErrReply) }},
		{"nohost", func(err error) bool { return errors.Is(err, ddns.ErrDisabled) }},
		{"abuse", func(err error) bool { return errors.Is(err, ddns.ErrDisabled) }},
		{"911", func(err error) bool { return errors.As(err, &ra) && ra.After >= 30*time.Minute }},
		{"dnserr", func(err error) bool { return errors.As(err, &ra) && ra.After >= 30*time.Minute }},
		{"<html>maintenance</html>", func(err error) bool { return errors.Is(err, ddns.ErrReply) }},
	} {
		next = tt.reply
		if err := p.Update(ctx, r, ip); !tt.check(err) {
			t.Errorf("%q: %v", tt.reply, err)
		}
	}
	bad, _ := New(Settings{URL: srv.URL + "/nic/update", Username: "user", Password: "wrong"}, 5*time.Second)
	if err := bad.Update(ctx, r, ip); !errors.Is(err, ddns.ErrDisabled) {
		t.Errorf("badauth: %v", err)
	}
	if got[0] != "home.ddns.net=81.2.69.142 ua="+ddns.UserAgent {
		t.Errorf("request %q", got[0])
	}
	if _, err := New(Settings{URL: "dynupdate.no-ip.com", Username: "u", Password: "p"}, 0); !errors.Is(err, ErrConfig) {
		t.Errorf("bad url: %v", err)
	}
}
