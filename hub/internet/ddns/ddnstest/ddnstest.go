// Package ddnstest holds the checks every DDNS provider's test makes
// against its local fake. Import from tests only.
package ddnstest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	_ "github.com/homefleet/homefleet/internal/golden" // every test that uses this helper gets -update

	"github.com/homefleet/homefleet/hub/internet/ddns"
)

// Record is the record the provider tests keep.
func Record(ttl int) ddns.Record {
	return ddns.Record{Name: "home.example.com", Zone: "example.com", Type: "A", TTL: ttl}
}

// Writes updates r to each address in turn (a create, a repeat the
// provider must recognise, a change); each must succeed.
func Writes(t testing.TB, p ddns.Provider, r ddns.Record, addrs ...string) {
	t.Helper()
	for _, a := range addrs {
		if err := p.Update(context.Background(), r, netip.MustParseAddr(a)); err != nil {
			t.Fatalf("update %s to %s: %v", r.Name, a, err)
		}
	}
}

// Refused wants the update refused with want (ddns.ErrDisabled: nothing
// more is sent until the configuration changes).
func Refused(t testing.TB, p ddns.Provider, r ddns.Record, want error, why string) error {
	t.Helper()
	err := p.Update(context.Background(), r, netip.MustParseAddr("81.2.69.1"))
	if !errors.Is(err, want) {
		t.Errorf("%s: got %v, want %v", why, err, want)
	}
	return err
}

// Throttled wants the update to ask for a wait of after (0: any).
func Throttled(t testing.TB, p ddns.Provider, r ddns.Record, after time.Duration) {
	t.Helper()
	err := p.Update(context.Background(), r, netip.MustParseAddr("81.2.69.1"))
	var ra *ddns.RetryAfterError
	if !errors.As(err, &ra) || (after != 0 && ra.After != after) {
		t.Errorf("throttled: %v, want retry after %s", err, after)
	}
}

// Serve starts the provider's fake on loopback for the test and returns
// its URL.
func Serve(t testing.TB, fake http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return srv.URL
}

// Calls compares what the fake saw (its records, the API actions) with
// want, printed with fmt.Sprint.
func Calls(t testing.TB, what string, got any, want string) {
	t.Helper()
	if s := fmt.Sprint(got); s != want {
		t.Errorf("%s %s, want %s", what, s, want)
	}
}
