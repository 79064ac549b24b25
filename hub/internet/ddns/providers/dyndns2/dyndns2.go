package dyndns2

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/homefleet/homefleet/hub/internet/ddns"
)

// ErrConfig is a provider configuration the protocol cannot work with.
var ErrConfig = errors.New("dyndns2 provider config")

// Provider is one account at a dyndns2 server (No-IP, Dynu, dynv6...).
type Provider struct {
	url      string
	user     string
	password string
	c        *http.Client
}

// Settings are the server's update URL (e.g.
// https://dynupdate.no-ip.com/nic/update) and the account.
type Settings struct {
	URL      string `yaml:"url"`
	Username string `yaml:"username"`
	Password string `yaml:"password" secret:"true"`
}

// New validates the settings.
func New(s Settings, timeout time.Duration) (*Provider, error) {
	u, err := url.Parse(s.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("%w: url %q: want the server's update URL, e.g. https://dynupdate.no-ip.com/nic/update", ErrConfig, s.URL)
	}
	if s.Username == "" || s.Password == "" {
		return nil, fmt.Errorf("%w: username and password (or password_file) are required", ErrConfig)
	}
	return &Provider{url: s.URL, user: s.Username, password: s.Password, c: ddns.Client(timeout)}, nil
}

// Update sends hostname and myip with basic auth and follows the reply
// codes: good/nochg succeed (and are never resent, as the manager writes
// only on change), fatal codes disable, 911/dnserr back off 30 minutes.
func (p *Provider) Update(ctx context.Context, r ddns.Record, addr netip.Addr) error {
	q := url.Values{"hostname": {r.Name}, "myip": {addr.String()}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url+"?"+q.Encode(), nil)
	if err != nil {
		return fmt.Errorf("building request: %w", err)
	}
	req.SetBasicAuth(p.user, p.password)
	status, body, err := ddns.Do(p.c, req)
	if err != nil {
		return err
	}
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		return fmt.Errorf("%s: HTTP %d: the username or password is wrong: %w", r.Name, status, ddns.ErrDisabled)
	}
	res, err := ParseReply(string(body))
	if err != nil {
		return fmt.Errorf("%s: HTTP %d: %w: %w", r.Name, status, ddns.ErrReply, err)
	}
	switch res.Outcome {
	case Updated, Unchanged:
		if res.Addr.IsValid() && res.Addr != addr {
			return fmt.Errorf("%w: %s answered %s %s, not %s", ddns.ErrReply, r.Name, res.Code, res.Addr, addr)
		}
		return nil
	case Disabled:
		return fmt.Errorf("%s: %s: %s: %w", r.Name, res.Code, res.Reason, ddns.ErrDisabled)
	default:
		return &ddns.RetryAfterError{After: MinBackOff, Err: fmt.Errorf("%s: %s: %s", r.Name, res.Code, res.Reason)}
	}
}
