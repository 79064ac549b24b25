package config

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PublicIP configures how the hub finds the home's public address. No
// source is configured by default, so nothing reaches the internet
// uninvited.
type PublicIP struct {
	Sources  []IPSource    `yaml:"sources"`
	Quorum   int           `yaml:"quorum"`   // independent sources that must agree (default 2)
	Interval time.Duration `yaml:"interval"` // re-check period (default 5m); network changes and resume re-check at once
	Timeout  time.Duration `yaml:"timeout"`  // per source (default 5s)
}

// IP source kinds.
const (
	SourceHTTPS  = "https"  // an echo service: the body is the address, or key=value lines with ip= (format: trace)
	SourceDNS    = "dns"    // a "what is my IP" DNS query (A/AAAA/TXT, class IN or CH)
	SourceUPnP   = "upnp"   // the router's WAN address over UPnP IGD (url of its root description)
	SourceNATPMP = "natpmp" // the router's WAN address over NAT-PMP
	SourceAgent  = "agent"  // the stable global IPv6 an agent reports
)

// IPSource is one source of the public address.
type IPSource struct {
	Name    string `yaml:"name"`
	Kind    string `yaml:"kind"`
	Family  int    `yaml:"family"`  // 4 or 6; 0 asks both where the kind can
	URL     string `yaml:"url"`     // https: the echo URL; upnp: the router's root description URL
	Format  string `yaml:"format"`  // https: plain (default) or trace
	Server  string `yaml:"server"`  // dns: host:port of the resolver; natpmp: the gateway IP
	Query   string `yaml:"query"`   // dns: the name to ask (e.g. myip.opendns.com)
	Type    string `yaml:"type"`    // dns: A, AAAA or TXT (default by family)
	Class   string `yaml:"class"`   // dns: IN (default) or CH
	Device  string `yaml:"device"`  // agent: whose address
	Comment string `yaml:"comment"` // free text
}

// DDNS configures the dynamic DNS records the hub keeps right.
type DDNS struct {
	Providers      []DDNSProvider `yaml:"providers"`
	Records        []DDNSRecord   `yaml:"records"`
	VerifyInterval time.Duration  `yaml:"verify_interval"` // periodic authoritative check (default 10m)
	VerifyTimeout  time.Duration  `yaml:"verify_timeout"`  // after a write, poll until visible this long (default 5m)
	MaxBackoff     time.Duration  `yaml:"max_backoff"`     // cap of the exponential backoff (default 1h)
	Resolver       string         `yaml:"resolver"`        // host:port used only to find a zone's NS (default: the system's)
}

// DDNSProvider is one account at a DNS provider. Name, kind and timeout
// are common; every other key is the kind's own setting (token, url,
// username...), read and validated by that provider's package under
// hub/internet/ddns/providers. A setting named token, password or secret
// (or ending in _token, _password, _secret, _key) is a secret: redacted
// when printed, and readable from a file with <name>_file.
type DDNSProvider struct {
	Name     string         `yaml:"name"`
	Kind     string         `yaml:"kind"`
	Timeout  time.Duration  `yaml:"timeout"` // per request (default 30s)
	Settings map[string]any `yaml:",inline"`
}

// DDNSRecord is one name kept pointing at an address.
type DDNSRecord struct {
	Name        string        `yaml:"name"`     // FQDN, e.g. home.example.com
	Zone        string        `yaml:"zone"`     // e.g. example.co.uk (default: found from the name's SOA when the hub starts writing)
	Type        string        `yaml:"type"`     // A (default) or AAAA
	Provider    string        `yaml:"provider"` // a providers[].name
	Device      string        `yaml:"device"`   // AAAA from this agent's stable global IPv6 instead of the public one
	TTL         int           `yaml:"ttl"`      // seconds (default 300)
	MinInterval time.Duration `yaml:"min_interval"`
	Verify      *bool         `yaml:"verify"` // ask the authoritative servers (default true)
	NS          []string      `yaml:"ns"`     // authoritative servers host:port (default: the zone's NS)
}

// Probe kinds.
const (
	ProbeSMB  = "smb"
	ProbeTCP  = "tcp"
	ProbeHTTP = "http"
	ProbeDNS  = "dns"
)

// Probe is one service reachability check.
type Probe struct {
	Name     string        `yaml:"name"`
	Kind     string        `yaml:"kind"`
	Target   string        `yaml:"target"` // host:port (smb, tcp; smb defaults to port 445), URL (http), name (dns)
	Server   string        `yaml:"server"` // dns: host:port of the resolver (default: the system's)
	Expect   string        `yaml:"expect"` // dns: the address the name must resolve to (e.g. a DDNS record)
	Interval time.Duration `yaml:"interval"`
	Timeout  time.Duration `yaml:"timeout"`
}

func (p *PublicIP) setDefaults() {
	if p.Quorum == 0 {
		p.Quorum = 2
	}
	if p.Interval == 0 {
		p.Interval = 5 * time.Minute
	}
	if p.Timeout == 0 {
		p.Timeout = 5 * time.Second
	}
	for i := range p.Sources {
		if p.Sources[i].Name == "" {
			p.Sources[i].Name = p.Sources[i].Kind + strconv.Itoa(i+1)
		}
	}
}

func (d *DDNS) setDefaults() {
	if d.VerifyInterval == 0 {
		d.VerifyInterval = 10 * time.Minute
	}
	if d.VerifyTimeout == 0 {
		d.VerifyTimeout = 5 * time.Minute
	}
	if d.MaxBackoff == 0 {
		d.MaxBackoff = time.Hour
	}
	for i := range d.Providers {
		if d.Providers[i].Timeout == 0 {
			d.Providers[i].Timeout = 30 * time.Second
		}
	}
	for i := range d.Records {
		r := &d.Records[i]
		if r.Type == "" {
			r.Type = "A"
		}
		if r.TTL == 0 {
			r.TTL = 300
		}
	}
}

// VerifyOn reports whether the record is checked on its authoritative servers.
func (r DDNSRecord) VerifyOn() bool { return r.Verify == nil || *r.Verify }

func (p PublicIP) validate(v *validator) {
	if p.Quorum < 1 {
		v.add("public_ip.quorum", strconv.Itoa(p.Quorum), "must be at least 1")
	}
	v.positive("public_ip.interval", p.Interval)
	v.positive("public_ip.timeout", p.Timeout)
	names := map[string]bool{}
	for i, s := range p.Sources {
		f := fmt.Sprintf("public_ip.sources[%d]", i)
		v.unique(names, f+".name", s.Name)
		if s.Family != 0 && s.Family != 4 && s.Family != 6 {
			v.add(f+".family", strconv.Itoa(s.Family), "must be 4, 6 or empty for both")
		}
		switch s.Kind {
		case SourceHTTPS:
			validURL(v, f+".url", s.URL, true)
			v.oneOf(f+".format", s.Format, "", "plain", "trace")
		case SourceDNS:
			v.hostPort(f+".server", s.Server)
			if s.Query == "" {
				v.add(f+".query", "", "required (e.g. myip.opendns.com)")
			}
			v.oneOf(f+".type", s.Type, "", "A", "AAAA", "TXT")
			v.oneOf(f+".class", s.Class, "", "IN", "CH")
		case SourceUPnP:
			validURL(v, f+".url", s.URL, false)
		case SourceNATPMP:
			if _, err := netip.ParseAddr(s.Server); err != nil {
				v.add(f+".server", s.Server, "want the gateway's IP address")
			}
		case SourceAgent:
			v.id(f+".device", s.Device)
		default:
			v.oneOf(f+".kind", s.Kind, SourceHTTPS, SourceDNS, SourceUPnP, SourceNATPMP, SourceAgent)
		}
	}
}

func (d DDNS) validate(v *validator) {
	provs := map[string]bool{}
	for i, p := range d.Providers {
		f := fmt.Sprintf("ddns.providers[%d]", i)
		v.id(f+".name", p.Name)
		v.unique(provs, f+".name", p.Name)
		if p.Kind == "" {
			v.add(f+".kind", "", "required: the provider (cloudflare, duckdns, dyndns2, rfc2136...)")
		}
	}
	seen := map[string]bool{}
	for i, r := range d.Records {
		f := fmt.Sprintf("ddns.records[%d]", i)
		if !strings.Contains(strings.Trim(r.Name, "."), ".") {
			v.add(f+".name", r.Name, "want a fully qualified name like home.example.com")
		}
		v.oneOf(f+".type", r.Type, "A", "AAAA")
		if seen[r.Name+"/"+r.Type] {
			v.add(f+".name", r.Name, "duplicate "+r.Type+" record")
		}
		seen[r.Name+"/"+r.Type] = true
		if !provs[r.Provider] {
			v.add(f+".provider", r.Provider, "not a ddns.providers[].name")
		}
		if r.Device != "" && r.Type != "AAAA" {
			v.add(f+".device", r.Device, "only AAAA records take a device's own address")
		}
		if r.TTL < 1 || r.TTL > 86400 {
			v.add(f+".ttl", strconv.Itoa(r.TTL), "must be 1-86400 seconds")
		}
		for j, ns := range r.NS {
			v.hostPort(fmt.Sprintf("%s.ns[%d]", f, j), ns)
		}
	}
	if d.Resolver != "" {
		v.hostPort("ddns.resolver", d.Resolver)
	}
}

func (p Probe) validate(v *validator, f string) {
	v.id(f+".name", p.Name)
	v.oneOf(f+".kind", p.Kind, ProbeSMB, ProbeTCP, ProbeHTTP, ProbeDNS)
	switch p.Kind {
	case ProbeTCP:
		v.hostPort(f+".target", p.Target)
	case ProbeHTTP:
		validURL(v, f+".target", p.Target, false)
	case ProbeSMB, ProbeDNS:
		if p.Target == "" {
			v.add(f+".target", "", "required")
		}
	}
	if p.Expect != "" {
		if _, err := netip.ParseAddr(p.Expect); err != nil {
			v.add(f+".expect", p.Expect, "want an IP address")
		}
	}
}

func (p *Probe) setDefaults() {
	if p.Interval == 0 {
		p.Interval = time.Minute
	}
	if p.Timeout == 0 {
		p.Timeout = 5 * time.Second
	}
}

func validateProbes(v *validator, probes []Probe) {
	seen := map[string]bool{}
	for i, p := range probes {
		f := fmt.Sprintf("probes[%d]", i)
		p.validate(v, f)
		v.unique(seen, f+".name", p.Name)
	}
}

// validURL wants an http(s) URL; httpsOnly refuses plain http except to
// loopback (a test fake), so an echo reply cannot be rewritten on the way.
func validURL(v *validator, field, s string, httpsOnly bool) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.add(field, s, "want an http(s):// URL")
		return
	}
	if httpsOnly && u.Scheme == "http" {
		if ip, err := netip.ParseAddr(u.Hostname()); err != nil || !ip.IsLoopback() {
			v.add(field, s, "must be https:// (plain http only to loopback)")
		}
	}
}

// resolveSecrets reads every provider's secret settings given as
// <name>_file into <name>.
func (d *DDNS) resolveSecrets() error {
	var errs []error
	for i := range d.Providers {
		p := &d.Providers[i]
		for _, k := range slices.Sorted(maps.Keys(p.Settings)) {
			base, isFile := strings.CutSuffix(k, "_file")
			if !isFile || !SecretSetting(base) {
				continue
			}
			path, _ := p.Settings[k].(string)
			var secret string
			if err := resolveSecret(&secret, fmt.Sprintf("ddns.providers[%d].%s", i, k), path); err != nil {
				errs = append(errs, err)
				continue
			}
			p.Settings[base] = secret
		}
	}
	return errors.Join(errs...)
}

// SecretSetting reports whether a provider setting holds a secret.
func SecretSetting(key string) bool {
	for _, s := range []string{"token", "password", "secret"} {
		if key == s || strings.HasSuffix(key, "_"+s) {
			return true
		}
	}
	return strings.HasSuffix(key, "_key")
}
