package duckdns

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/homefleet/homefleet/hub/internet/ddns"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

// fake follows spec.jsp: domains, token, ip/ipv6, verbose; KO on a bad
// token; 429 when rate limited.
func fake(t *testing.T, held map[string][2]string, limited *bool) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if *limited {
			w.Header().Set("Retry-After", "60")
			w.WriteHeader(429)
			return
		}
		cur, ok := held[q.Get("domains")]
		if q.Get("token") != "tok" || !ok {
			_, _ = w.Write([]byte("KO"))
			return
		}
		old := cur
		if ip := q.Get("ip"); ip != "" {
			cur[0] = ip
		}
		if ip := q.Get("ipv6"); ip != "" {
			cur[1] = ip
		}
		held[q.Get("domains")] = cur
		change := "NOCHANGE"
		if cur != old {
			change = "UPDATED"
		}
		_, _ = w.Write([]byte("OK\n" + cur[0] + "\n" + cur[1] + "\n" + change))
	}))
}

func TestAgainstFake(t *testing.T) {
	held := map[string][2]string{"myhome": {}}
	limited := false
	srv := fake(t, held, &limited)
	defer srv.Close()
	p, err := New(Settings{Token: "tok", URL: srv.URL + "/update"}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a := ddns.Record{Name: "myhome.duckdns.org", Type: "A"}
	if err := p.Update(ctx, a, netip.MustParseAddr("81.2.69.142")); err != nil {
		t.Fatal(err)
	}
	if err := p.Update(ctx, ddns.Record{Name: "myhome.duckdns.org", Type: "AAAA"}, netip.MustParseAddr("2a00:1450::1")); err != nil {
		t.Fatal(err)
	}
	if held["myhome"] != [2]string{"81.2.69.142", "2a00:1450::1"} {
		t.Errorf("held %v", held["myhome"])
	}
	if err := p.Update(ctx, ddns.Record{Name: "other.duckdns.org"}, netip.MustParseAddr("81.2.69.1")); !errors.Is(err, ddns.ErrDisabled) {
		t.Errorf("KO: %v", err)
	}
	if err := p.Update(ctx, ddns.Record{Name: "home.example.com"}, netip.MustParseAddr("81.2.69.1")); !errors.Is(err, ddns.ErrDisabled) {
		t.Errorf("not duckdns: %v", err)
	}
	limited = true
	var ra *ddns.RetryAfterError
	if err := p.Update(ctx, a, netip.MustParseAddr("81.2.69.1")); !errors.As(err, &ra) || ra.After != time.Minute {
		t.Errorf("429: %v", err)
	}
	bad, _ := New(Settings{Token: "s3cret-token", URL: "http://127.0.0.1:1/update"}, time.Second)
	if err := bad.Update(ctx, a, netip.MustParseAddr("81.2.69.1")); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("unreachable: %v (the token must not appear)", err)
	}
}

func TestParseReply(t *testing.T) {
	ip := netip.MustParseAddr("81.2.69.142")
	for body, want := range map[string]error{
		"OK":                               nil,
		"OK\n81.2.69.142\n\nUPDATED":       nil,
		"OK\n81.2.69.1\n\nNOCHANGE":        ddns.ErrReply,
		"KO":                               ddns.ErrDisabled,
		"<html>Service Unavailable</html>": ddns.ErrReply,
		"":                                 ddns.ErrReply,
	} {
		if err := ParseReply(body, ip); !errors.Is(err, want) {
			t.Errorf("%q: %v, want %v", body, err, want)
		}
	}
}

func FuzzParseReply(f *testing.F) {
	f.Add("OK\n81.2.69.142\n\nUPDATED")
	f.Add("KO")
	f.Fuzz(func(t *testing.T, body string) {
		if ParseReply(body, netip.MustParseAddr("81.2.69.142")) == nil && !strings.HasPrefix(strings.TrimSpace(body), "OK") {
			t.Fatalf("accepted %q", body)
		}
	})
}
