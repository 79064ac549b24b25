// Package dyndns2 speaks the dyndns2 update protocol (No-IP, Dynu, dynv6
// and others): the reply codes and what each means for the record.
package dyndns2

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Outcome is what a reply means for the record.
type Outcome int

// Outcomes.
const (
	Updated   Outcome = iota // good: the provider took the address
	Unchanged                // nochg: it already had it (never resend)
	Disabled                 // badauth, nohost, notfqdn, abuse...: stop until the config changes
	BackOff                  // 911, dnserr: the provider is in trouble, wait at least 30 min
)

// MinBackOff is the shortest wait after 911 or dnserr.
const MinBackOff = 30 * time.Minute

// ErrReply is returned for a reply that is not a dyndns2 code.
var ErrReply = errors.New("unexpected dyndns2 reply")

// Result is one host's reply.
type Result struct {
	Outcome Outcome
	Code    string
	Addr    netip.Addr // with good/nochg, when the provider echoes it
	Reason  string     // in words, for the HA "last error"
}

var disabling = map[string]string{ //nolint:gochecknoglobals // protocol table
	"badauth":  "the username or password is wrong",
	"!donator": "the account cannot use this feature",
	"notfqdn":  "the hostname is not a fully qualified domain name",
	"nohost":   "the hostname does not exist in this account",
	"numhost":  "too many hostnames in one request",
	"abuse":    "the hostname is blocked for abuse",
	"badagent": "the provider refused the client (user agent)",
	"badsys":   "the system parameter is not valid",
}

// ParseReply parses one reply line.
func ParseReply(line string) (Result, error) {
	f := strings.Fields(strings.TrimSpace(line))
	if len(f) == 0 {
		return Result{}, fmt.Errorf("%w: empty", ErrReply)
	}
	code := f[0]
	switch code {
	case "good", "nochg":
		r := Result{Outcome: Updated, Code: code}
		if code == "nochg" {
			r.Outcome = Unchanged
		}
		if len(f) > 1 {
			a, err := netip.ParseAddr(f[1])
			if err != nil {
				return Result{}, fmt.Errorf("%w: %q after %s is not an address", ErrReply, f[1], code)
			}
			r.Addr = a
		}
		return r, nil
	case "911", "dnserr":
		return Result{Outcome: BackOff, Code: code, Reason: "the provider reports a server problem; retrying in 30 minutes or later"}, nil
	}
	if why, ok := disabling[code]; ok {
		return Result{Outcome: Disabled, Code: code, Reason: why + "; updates stop until the configuration changes"}, nil
	}
	return Result{}, fmt.Errorf("%w: %.60q", ErrReply, line)
}

// ParseReplies parses a body with one line per hostname.
func ParseReplies(body string) ([]Result, error) {
	var out []Result
	for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
		r, err := ParseReply(line)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
