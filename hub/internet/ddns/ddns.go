// Package ddns keeps DNS records pointing at the home's addresses: it
// writes only on change, backs off per provider, honours each record's
// minimum interval, and proves every write on the zone's authoritative
// servers. The providers live in providers/<name>.
package ddns

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/homefleet/homefleet/internal/config"
)

// Sentinel errors. Providers wrap them.
var (
	// ErrDisabled: the provider refused the record for a reason only the
	// user can fix (bad credentials, unknown host, abuse). No more writes
	// until the configuration changes.
	ErrDisabled = errors.New("record disabled until the configuration changes")
	// ErrReply: the provider answered something that is not its protocol.
	ErrReply = errors.New("unexpected provider reply")
	// ErrMismatch: an authoritative server does not serve the address.
	ErrMismatch = errors.New("authoritative answer differs")
)

// RetryAfterError asks for a wait before the provider is called again
// (HTTP 429 retry-after, dyndns2 911).
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("%v (retry after %s)", e.Err, e.After.Round(time.Second))
}

func (e *RetryAfterError) Unwrap() error { return e.Err }

// Record is one name kept pointing at an address.
type Record struct {
	Name        string // FQDN without the trailing dot
	Zone        string
	Type        string // A or AAAA
	TTL         int
	Provider    string
	Device      string // AAAA from this agent's address
	MinInterval time.Duration
	Verify      bool
	NS          []string // authoritative servers host:port; empty: the zone's NS
}

// Key names the record in the store and in topics.
func (r Record) Key() string { return r.Name + "/" + r.Type }

// Family is 4 for A and 6 for AAAA.
func (r Record) Family() int {
	if r.Type == "AAAA" {
		return 6
	}
	return 4
}

// Provider writes one record.
type Provider interface {
	Update(ctx context.Context, r Record, addr netip.Addr) error
}

// Verifier checks that every authoritative server answers want.
type Verifier interface {
	Verify(ctx context.Context, r Record, want netip.Addr) error
}

// RecordsFromConfig turns the configured records into Records.
func RecordsFromConfig(cfg config.DDNS) []Record {
	out := make([]Record, 0, len(cfg.Records))
	for _, c := range cfg.Records {
		out = append(out, Record{
			Name: strings.TrimSuffix(c.Name, "."), Zone: strings.TrimSuffix(c.Zone, "."), Type: c.Type, TTL: c.TTL, Provider: c.Provider,
			Device: c.Device, MinInterval: c.MinInterval, Verify: c.VerifyOn(), NS: c.NS,
		})
	}
	return out
}
