// Package rfc2136 writes records with a DNS UPDATE (RFC 2136) signed
// with TSIG (RFC 8945), to BIND9, Knot, PowerDNS or Technitium.
package rfc2136

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/homefleet/homefleet/hub/internet/ddns"
)

// ErrConfig is a provider configuration the update cannot work with.
var ErrConfig = errors.New("rfc2136 provider config")

var algorithms = map[string]string{ //nolint:gochecknoglobals // protocol table
	"hmac-sha256": dns.HmacSHA256, "hmac-sha512": dns.HmacSHA512, "hmac-sha384": dns.HmacSHA384,
	"hmac-sha224": dns.HmacSHA224, "hmac-sha1": dns.HmacSHA1,
}

// Provider sends updates to one primary server.
type Provider struct {
	server  string
	keyName string // FQDN
	alg     string
	secret  string
	timeout time.Duration
}

// Settings are the primary server and its TSIG key; without a key the
// updates are unsigned (an ACL by address).
type Settings struct {
	Server     string `yaml:"server"`              // host:port of the primary
	TSIGName   string `yaml:"tsig_name"`           // the key's name
	TSIGAlg    string `yaml:"tsig_algorithm"`      // hmac-sha256 (default), hmac-sha512...
	TSIGSecret string `yaml:"token" secret:"true"` // base64, as tsig-keygen prints it
}

// New validates the settings.
func New(c Settings, timeout time.Duration) (*Provider, error) {
	p := &Provider{server: c.Server, timeout: timeout}
	if _, _, err := net.SplitHostPort(c.Server); err != nil {
		return nil, fmt.Errorf("%w: server %q: want host:port of the primary", ErrConfig, c.Server)
	}
	if c.TSIGName == "" && c.TSIGSecret == "" {
		return p, nil // unsigned updates (an ACL by address)
	}
	alg := c.TSIGAlg
	if alg == "" {
		alg = "hmac-sha256"
	}
	var ok bool
	if p.alg, ok = algorithms[strings.ToLower(alg)]; !ok {
		return nil, fmt.Errorf("%w: tsig_algorithm %q: want hmac-sha256, hmac-sha512, hmac-sha384, hmac-sha224 or hmac-sha1", ErrConfig, alg)
	}
	if c.TSIGName == "" {
		return nil, fmt.Errorf("%w: tsig_name is required with a TSIG secret", ErrConfig)
	}
	if _, err := base64.StdEncoding.DecodeString(c.TSIGSecret); err != nil || c.TSIGSecret == "" {
		return nil, fmt.Errorf("%w: token (the TSIG secret) must be base64, as tsig-keygen prints it", ErrConfig)
	}
	p.keyName, p.secret = dns.Fqdn(c.TSIGName), c.TSIGSecret
	return p, nil
}

// Update replaces the record's RRset with addr in one atomic UPDATE.
func (p *Provider) Update(ctx context.Context, r ddns.Record, addr netip.Addr) error {
	m := Message(r, addr)
	c := &dns.Client{Net: "tcp", Timeout: p.timeout}
	if p.keyName != "" {
		m.SetTsig(p.keyName, p.alg, 300, time.Now().Unix())
		c.TsigSecret = map[string]string{p.keyName: p.secret}
	}
	resp, _, err := c.ExchangeContext(ctx, m, p.server)
	if err != nil {
		if errors.Is(err, dns.ErrAuth) || errors.Is(err, dns.ErrSig) || errors.Is(err, dns.ErrSecret) || errors.Is(err, dns.ErrKey) || errors.Is(err, dns.ErrTime) {
			return fmt.Errorf("updating %s on %s: TSIG key %s rejected (wrong secret or algorithm?): %v: %w", r.Name, p.server, p.keyName, err, ddns.ErrDisabled)
		}
		return fmt.Errorf("updating %s on %s: %w", r.Name, p.server, err)
	}
	return Outcome(resp, r, p.server)
}

// Message is the UPDATE: delete the name's RRset of the type, add addr.
func Message(r ddns.Record, addr netip.Addr) *dns.Msg {
	m := new(dns.Msg)
	m.SetUpdate(dns.Fqdn(r.Zone))
	hdr := dns.RR_Header{Name: dns.Fqdn(r.Name), Class: dns.ClassINET, Ttl: uint32(r.TTL)}
	var rr dns.RR
	if addr.Is4() {
		hdr.Rrtype = dns.TypeA
		rr = &dns.A{Hdr: hdr, A: addr.AsSlice()}
	} else {
		hdr.Rrtype = dns.TypeAAAA
		rr = &dns.AAAA{Hdr: hdr, AAAA: addr.AsSlice()}
	}
	m.RemoveRRset([]dns.RR{rr})
	m.Insert([]dns.RR{rr})
	return m
}

// Outcome turns the server's reply into nil, a disabling error (the
// server will not take this update until the config changes) or a
// transient one.
func Outcome(resp *dns.Msg, r ddns.Record, server string) error {
	if t := resp.IsTsig(); t != nil && t.Error != dns.RcodeSuccess {
		return fmt.Errorf("%s refused the TSIG key: %s: %w", server, dns.RcodeToString[int(t.Error)], ddns.ErrDisabled)
	}
	switch resp.Rcode {
	case dns.RcodeSuccess:
		return nil
	case dns.RcodeNotAuth:
		return fmt.Errorf("%s is not authoritative for %s or refused the key (NOTAUTH): %w", server, r.Zone, ddns.ErrDisabled)
	case dns.RcodeRefused:
		return fmt.Errorf("%s refused the update of %s (REFUSED: check update-policy and the key): %w", server, r.Name, ddns.ErrDisabled)
	case dns.RcodeNotZone:
		return fmt.Errorf("%s is not in zone %s (NOTZONE): %w", r.Name, r.Zone, ddns.ErrDisabled)
	case dns.RcodeServerFailure:
		return fmt.Errorf("%s failed the update of %s (SERVFAIL)", server, r.Name)
	}
	return fmt.Errorf("%w: %s answered %s", ddns.ErrReply, server, dns.RcodeToString[resp.Rcode])
}
