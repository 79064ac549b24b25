// Package cloudflare writes records through the Cloudflare API v4 with an
// API token (Zone → DNS → Edit).
package cloudflare

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/homefleet/homefleet/hub/internet/ddns"
)

// DefaultURL is the API base.
const DefaultURL = "https://api.cloudflare.com/client/v4"

// ErrConfig is a provider configuration the API cannot work with.
var ErrConfig = errors.New("cloudflare provider config")

// codeIdentical: "An identical record already exists" (success for us).
const codeIdentical = 81058

// Provider is one API token.
type Provider struct {
	base  string
	token string
	c     *http.Client
	zones map[string]string // zone name → id
}

// Settings are an API token with Zone.DNS edit rights and the API base.
type Settings struct {
	Token string `yaml:"token" secret:"true"`
	URL   string `yaml:"url"` // default DefaultURL
}

// New validates the settings.
func New(s Settings, timeout time.Duration) (*Provider, error) {
	u, err := ddns.Settings(ErrConfig, s.URL, DefaultURL, ddns.Requirement{OK: s.Token != "",
		Missing: "token (or token_file) is required: an API token with Zone.DNS edit rights"})
	if err != nil {
		return nil, err
	}
	return &Provider{base: strings.TrimRight(u.String(), "/"), token: s.Token, c: ddns.Client(timeout), zones: map[string]string{}}, nil
}

// Envelope is every API reply.
type Envelope struct {
	Success bool            `json:"success"`
	Errors  []APIError      `json:"errors"`
	Result  json.RawMessage `json:"result"`
}

// APIError is one entry of errors.
type APIError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type record struct {
	ID      string `json:"id,omitempty"`
	Type    string `json:"type"`
	Name    string `json:"name"`
	Content string `json:"content"`
	TTL     int    `json:"ttl"`
	Proxied *bool  `json:"proxied,omitempty"`
}

// Update sets the record's content, creating it when missing. A record
// that already holds addr is left alone.
func (p *Provider) Update(ctx context.Context, r ddns.Record, addr netip.Addr) error {
	zoneID, err := p.zoneID(ctx, r.Zone)
	if err != nil {
		return err
	}
	var found []record
	q := url.Values{"type": {r.Type}, "name": {r.Name}}
	if err := p.call(ctx, http.MethodGet, "/zones/"+zoneID+"/dns_records?"+q.Encode(), nil, &found); err != nil {
		return fmt.Errorf("listing %s: %w", r.Name, err)
	}
	want := record{Type: r.Type, Name: r.Name, Content: addr.String(), TTL: r.TTL}
	switch {
	case len(found) == 0:
		no := false
		want.Proxied = &no
		err = p.call(ctx, http.MethodPost, "/zones/"+zoneID+"/dns_records", want, nil)
	case found[0].Content == addr.String():
		return nil
	default:
		err = p.call(ctx, http.MethodPatch, "/zones/"+zoneID+"/dns_records/"+found[0].ID, map[string]any{"content": addr.String(), "ttl": r.TTL}, nil)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", r.Name, err)
	}
	return nil
}

func (p *Provider) zoneID(ctx context.Context, zone string) (string, error) {
	if id, ok := p.zones[zone]; ok {
		return id, nil
	}
	var zs []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if err := p.call(ctx, http.MethodGet, "/zones?"+url.Values{"name": {zone}}.Encode(), nil, &zs); err != nil {
		return "", fmt.Errorf("finding zone %s: %w", zone, err)
	}
	if len(zs) != 1 {
		return "", fmt.Errorf("zone %s is not in this account or the token cannot see it: %w", zone, ddns.ErrDisabled)
	}
	p.zones[zone] = zs[0].ID
	return zs[0].ID, nil
}

func (p *Provider) call(ctx context.Context, method, path string, in, out any) error {
	var body *bytes.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	} else {
		body = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.base+path, body)
	if err != nil {
		return fmt.Errorf("building request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Content-Type", "application/json")
	status, reply, err := ddns.Do(p.c, req)
	if err != nil {
		return err
	}
	return Parse(status, reply, out)
}

// Parse reads an API reply into out (its result), mapping errors:
// authentication failures disable, 81058 (identical record) is success.
func Parse(status int, body []byte, out any) error {
	var env Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("%w: HTTP %d, not the API's JSON: %.60q", ddns.ErrReply, status, body)
	}
	if env.Success && status/100 == 2 {
		if out == nil || len(env.Result) == 0 {
			return nil
		}
		if err := json.Unmarshal(env.Result, out); err != nil {
			return fmt.Errorf("%w: result: %w", ddns.ErrReply, err)
		}
		return nil
	}
	var msgs []string
	for _, e := range env.Errors {
		if e.Code == codeIdentical {
			return nil
		}
		msgs = append(msgs, fmt.Sprintf("%d %s", e.Code, e.Message))
	}
	msg := fmt.Sprintf("HTTP %d: %s", status, strings.Join(msgs, "; "))
	if status == http.StatusUnauthorized || status == http.StatusForbidden || hasCode(env.Errors, 9109, 10000, 6003, 6111) {
		return fmt.Errorf("the token was refused (%s): %w", msg, ddns.ErrDisabled)
	}
	return fmt.Errorf("%w: %s", ddns.ErrReply, msg)
}

func hasCode(errs []APIError, codes ...int) bool {
	for _, e := range errs {
		for _, c := range codes {
			if e.Code == c {
				return true
			}
		}
	}
	return false
}
