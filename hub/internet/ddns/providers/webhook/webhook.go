// Package webhook calls a user's URL with the new address: a router
// script, a provider we do not speak, a notification service.
package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/homefleet/homefleet/hub/internet/ddns"
)

// ErrConfig is a webhook configuration that cannot work.
var ErrConfig = errors.New("webhook provider config")

// Provider is one URL template.
type Provider struct {
	url, method, body, success, token string
	c                                 *http.Client
}

// Settings are the request to send: {ip}, {name}, {type} and {ttl} are
// replaced in url and body (escaped for the URL); token is sent as a
// bearer token.
type Settings struct {
	URL     string `yaml:"url"`
	Method  string `yaml:"method"`  // GET (default), POST or PUT
	Body    string `yaml:"body"`    // template
	Success string `yaml:"success"` // a reply must contain this (default: any 2xx)
	Token   string `yaml:"token" secret:"true"`
}

// New validates the settings.
func New(c Settings, timeout time.Duration) (*Provider, error) {
	u, err := url.Parse(strings.NewReplacer("{", "", "}", "").Replace(c.URL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: url %q: want an http(s) URL, with {ip} {name} {type} {ttl} where needed", ErrConfig, c.URL)
	}
	m := strings.ToUpper(c.Method)
	if m == "" {
		m = http.MethodGet
	}
	if m != http.MethodGet && m != http.MethodPost && m != http.MethodPut {
		return nil, fmt.Errorf("%w: method %q: want GET, POST or PUT", ErrConfig, c.Method)
	}
	return &Provider{url: c.URL, method: m, body: c.Body, success: c.Success, token: c.Token, c: ddns.Client(timeout)}, nil
}

func fill(tpl string, r ddns.Record, addr netip.Addr, esc func(string) string) string {
	return strings.NewReplacer("{ip}", esc(addr.String()), "{name}", esc(r.Name), "{type}", esc(r.Type), "{ttl}", strconv.Itoa(r.TTL)).Replace(tpl)
}

// Update calls the hook: any 2xx (whose body contains success, if set)
// is success; 401/403 disable; 429/503 wait for Retry-After.
func (p *Provider) Update(ctx context.Context, r ddns.Record, addr netip.Addr) error {
	var body *strings.Reader
	if p.body != "" {
		body = strings.NewReader(fill(p.body, r, addr, func(s string) string { return s }))
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequestWithContext(ctx, p.method, fill(p.url, r, addr, url.QueryEscape), body)
	if err != nil {
		return fmt.Errorf("building request: %w", err)
	}
	if p.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if p.token != "" {
		req.Header.Set("Authorization", "Bearer "+p.token)
	}
	status, reply, err := ddns.Do(p.c, req)
	if err != nil {
		return err
	}
	return Check(status, string(reply), p.success)
}

// Check judges the hook's reply.
func Check(status int, body, success string) error {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return fmt.Errorf("the hook refused the credentials (HTTP %d): %w", status, ddns.ErrDisabled)
	case status/100 != 2:
		return fmt.Errorf("%w: HTTP %d: %.80q", ddns.ErrReply, status, body)
	case success != "" && !strings.Contains(body, success):
		return fmt.Errorf("%w: HTTP %d without %q: %.80q", ddns.ErrReply, status, success, body)
	}
	return nil
}
