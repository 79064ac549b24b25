// Package duckdns writes records of <name>.duckdns.org through its
// update URL (https://www.duckdns.org/spec.jsp).
package duckdns

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/homefleet/homefleet/hub/internet/ddns"
)

// DefaultURL is the update endpoint.
const DefaultURL = "https://www.duckdns.org/update"

// ErrConfig is a provider configuration DuckDNS cannot work with.
var ErrConfig = errors.New("duckdns provider config")

// Provider is one account token.
type Provider struct {
	url   string
	token string
	c     *http.Client
}

// Settings are the account token from duckdns.org and the update URL.
type Settings struct {
	Token string `yaml:"token" secret:"true"`
	URL   string `yaml:"url"` // default DefaultURL
}

// New validates the settings.
func New(s Settings, timeout time.Duration) (*Provider, error) {
	u, err := ddns.Settings(ErrConfig, s.URL, DefaultURL, ddns.Requirement{OK: s.Token != "",
		Missing: "token (or token_file) is required: the account token from duckdns.org"})
	if err != nil {
		return nil, err
	}
	return &Provider{url: u.String(), token: s.Token, c: ddns.Client(timeout)}, nil
}

// Update sends the address explicitly (ip= or ipv6=), never "use my
// source address", so a wrong route cannot write a wrong IP.
func (p *Provider) Update(ctx context.Context, r ddns.Record, addr netip.Addr) error {
	sub, ok := strings.CutSuffix(r.Name, ".duckdns.org")
	if !ok || sub == "" || strings.Contains(sub, ".") {
		return fmt.Errorf("%s is not <name>.duckdns.org: %w", r.Name, ddns.ErrDisabled)
	}
	q := url.Values{"domains": {sub}, "token": {p.token}, "verbose": {"true"}}
	if addr.Is4() {
		q.Set("ip", addr.String())
	} else {
		q.Set("ipv6", addr.String())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url+"?"+q.Encode(), nil)
	if err != nil {
		return fmt.Errorf("building request: %w", err)
	}
	status, body, err := ddns.Do(p.c, req)
	if err != nil {
		return redact(err, p.token)
	}
	if status != http.StatusOK {
		return fmt.Errorf("%w: HTTP %d", ddns.ErrReply, status)
	}
	return ParseReply(string(body), addr)
}

// ParseReply reads the verbose reply: OK, the IPv4, the IPv6 and
// UPDATED or NOCHANGE; KO means a wrong token or domain.
func ParseReply(body string, sent netip.Addr) error {
	lines := strings.Split(strings.TrimSpace(body), "\n")
	switch strings.TrimSpace(lines[0]) {
	case "OK":
	case "KO":
		return fmt.Errorf("DuckDNS answered KO: the token or the domain is wrong: %w", ddns.ErrDisabled)
	default:
		return fmt.Errorf("%w: %.60q", ddns.ErrReply, body)
	}
	if len(lines) < 4 {
		return nil // not verbose: OK is all there is
	}
	echo := strings.TrimSpace(lines[1])
	if sent.Is6() {
		echo = strings.TrimSpace(lines[2])
	}
	if a, err := netip.ParseAddr(echo); err != nil || a != sent {
		return fmt.Errorf("%w: DuckDNS holds %q, not %s", ddns.ErrReply, echo, sent)
	}
	return nil
}

// redact keeps the token, which travels in the URL, out of errors.
func redact(err error, token string) error {
	if !strings.Contains(err.Error(), token) {
		return err
	}
	return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), token, "REDACTED")) //nolint:err113 // the original carries the secret
}
