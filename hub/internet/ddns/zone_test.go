package ddns

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/homefleet/homefleet/internal/testdns"
)

// TestZoneFromSOA: a deep name under a public suffix finds its zone from
// the SOA (cutting one label would say home.example.co.uk); a name in no
// zone the server knows is an error naming it.
func TestZoneFromSOA(t *testing.T) {
	b := testdns.StartBIND(t, "example.co.uk")
	a := Authoritative{Timeout: 2 * time.Second}
	ctx := context.Background()
	for _, name := range []string{"nas.home.example.co.uk", "example.co.uk"} {
		if zone, err := a.Zone(ctx, name, []string{b.Addr}); err != nil || zone != "example.co.uk" {
			t.Errorf("%s: zone %q, %v", name, zone, err)
		}
	}
	if zone, err := a.Zone(ctx, "nas.elsewhere.test", []string{b.Addr}); err == nil || !strings.Contains(err.Error(), "nas.elsewhere.test") {
		t.Errorf("no zone: %q, %v", zone, err)
	}
}
