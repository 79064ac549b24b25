package ddns

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/homefleet/homefleet/internal/dnsmsg"
)

// Authoritative asks the zone's own servers, never a recursive resolver,
// so split-horizon DNS or a resolver's cache cannot fake a match.
type Authoritative struct {
	Resolver string // host:port used only to find the zone's NS; "" uses the system's
	Timeout  time.Duration
}

// Verify passes when every authoritative server answers exactly want.
func (a Authoritative) Verify(ctx context.Context, r Record, want netip.Addr) error {
	servers := r.NS
	if len(servers) == 0 {
		var err error
		if servers, err = a.nameservers(ctx, r.Zone); err != nil {
			return err
		}
	}
	qtype := dns.TypeA
	if r.Type == "AAAA" {
		qtype = dns.TypeAAAA
	}
	var bad []string
	for _, s := range servers {
		got, err := a.ask(ctx, s, r.Name, qtype)
		switch {
		case err != nil:
			bad = append(bad, s+": "+err.Error())
		case len(got) != 1 || got[0] != want:
			bad = append(bad, fmt.Sprintf("%s serves %v", s, got))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: want %s: %s", ErrMismatch, want, strings.Join(bad, "; "))
	}
	return nil
}

func (a Authoritative) ask(ctx context.Context, server, name string, qtype uint16) ([]netip.Addr, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = false
	c := &dns.Client{Timeout: a.Timeout}
	resp, _, err := c.ExchangeContext(ctx, m, server)
	if err != nil {
		return nil, fmt.Errorf("asking: %w", err)
	}
	if resp.Rcode != dns.RcodeSuccess && resp.Rcode != dns.RcodeNameError {
		return nil, fmt.Errorf("answered %s", dns.RcodeToString[resp.Rcode])
	}
	if !resp.Authoritative {
		return nil, fmt.Errorf("not authoritative for %s", name)
	}
	return dnsmsg.Addrs(resp), nil
}

// Zone finds the zone name lies in from its SOA: the answer's own when
// name is the apex, else the one in the authority section. It asks the
// record's own servers when it has some, else the resolver (or the
// system's first).
func (a Authoritative) Zone(ctx context.Context, name string, ns []string) (string, error) {
	server := a.Resolver
	if len(ns) > 0 {
		server = ns[0]
	}
	if server == "" {
		cc, err := dns.ClientConfigFromFile("/etc/resolv.conf")
		if err != nil || len(cc.Servers) == 0 {
			return "", fmt.Errorf("no resolver (set ddns.resolver): %w", err)
		}
		server = net.JoinHostPort(cc.Servers[0], cc.Port)
	}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), dns.TypeSOA)
	resp, _, err := (&dns.Client{Timeout: a.Timeout}).ExchangeContext(ctx, m, server)
	if err != nil {
		return "", fmt.Errorf("asking %s for the SOA of %s: %w", server, name, err)
	}
	for _, rr := range append(resp.Answer, resp.Ns...) {
		if soa, ok := rr.(*dns.SOA); ok {
			return strings.TrimSuffix(soa.Hdr.Name, "."), nil
		}
	}
	return "", fmt.Errorf("%s answered %s with no SOA for %s", server, dns.RcodeToString[resp.Rcode], name)
}

// nameservers finds the zone's NS names and their addresses (port 53).
func (a Authoritative) nameservers(ctx context.Context, zone string) ([]string, error) {
	r := net.DefaultResolver
	if a.Resolver != "" {
		r = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, a.Resolver)
		}}
	}
	nss, err := r.LookupNS(ctx, zone)
	if err != nil {
		return nil, fmt.Errorf("finding the name servers of %s: %w", zone, err)
	}
	var out []string
	for _, ns := range nss {
		ips, err := r.LookupIPAddr(ctx, ns.Host)
		if err != nil || len(ips) == 0 {
			continue
		}
		out = append(out, net.JoinHostPort(ips[0].IP.String(), "53"))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("finding the name servers of %s: none resolved", zone)
	}
	return out, nil
}
