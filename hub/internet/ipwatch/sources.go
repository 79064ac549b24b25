package ipwatch

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/huin/goupnp"
	"github.com/huin/goupnp/dcps/internetgateway2"
	natpmp "github.com/jackpal/go-nat-pmp"
	"github.com/miekg/dns"
)

// ErrSource is a source that did not answer usefully.
var ErrSource = errors.New("source failed")

// HTTPS asks an echo service for the caller's address. Its body must be
// the bare address, or (Trace) key=value lines with ip=.
type HTTPS struct {
	URL       string
	Trace     bool
	UserAgent string
	Client    *http.Client // nil: a client that dials only the asked family
}

// Lookup asks over IPv4 or IPv6 (family 4 or 6).
func (h HTTPS) Lookup(ctx context.Context, family int) (netip.Addr, error) {
	c := h.Client
	if c == nil {
		c = familyClient(family)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.URL, nil)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%w: %w", ErrSource, err)
	}
	req.Header.Set("User-Agent", h.UserAgent)
	resp, err := c.Do(req)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%w: %w", ErrSource, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%w: reading reply: %w", ErrSource, err)
	}
	if resp.StatusCode != http.StatusOK {
		return netip.Addr{}, fmt.Errorf("%w: HTTP %s", ErrSource, resp.Status)
	}
	if h.Trace {
		return ParseTrace(body, family)
	}
	return ParseReply(body, family)
}

// ParseTrace reads the ip= line of a key=value reply (Cloudflare's
// /cdn-cgi/trace).
func ParseTrace(body []byte, family int) (netip.Addr, error) {
	sc := bufio.NewScanner(bytes.NewReader(body))
	var found []byte
	for sc.Scan() {
		if v, ok := bytes.CutPrefix(sc.Bytes(), []byte("ip=")); ok {
			if found != nil {
				return netip.Addr{}, fmt.Errorf("%w: two ip= lines", ErrNotAddress)
			}
			found = append([]byte{}, v...)
		}
	}
	if found == nil {
		return netip.Addr{}, fmt.Errorf("%w: no ip= line in %.40q", ErrNotAddress, body)
	}
	return ParseReply(found, family)
}

func familyClient(family int) *http.Client {
	network := "tcp4"
	if family == 6 {
		network = "tcp6"
	}
	d := &net.Dialer{}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
		TLSHandshakeTimeout: 5 * time.Second,
		DisableKeepAlives:   true, // a transport per lookup: no idle connection may outlive it
	}
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// DNS asks a resolver a "what is my IP" question: an A/AAAA answer, or a
// TXT answer holding one address (whoami.cloudflare CH TXT).
type DNS struct {
	Server string // host:port
	Query  string
	Type   string // A, AAAA, TXT; "" by family
	Class  string // IN or CH
}

// Lookup sends the question over the asked family's transport.
func (d DNS) Lookup(ctx context.Context, family int) (netip.Addr, error) {
	qtype := dns.TypeA
	switch {
	case d.Type == "TXT":
		qtype = dns.TypeTXT
	case d.Type == "AAAA" || (d.Type == "" && family == 6):
		qtype = dns.TypeAAAA
	}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(d.Query), qtype)
	if d.Class == "CH" {
		m.Question[0].Qclass = dns.ClassCHAOS
	}
	c := &dns.Client{Net: "udp" + map[int]string{4: "4", 6: "6"}[family]}
	r, _, err := c.ExchangeContext(ctx, m, d.Server)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%w: asking %s: %w", ErrSource, d.Server, err)
	}
	return ParseDNSAnswer(r, family)
}

// ParseDNSAnswer takes the one address of a reply.
func ParseDNSAnswer(r *dns.Msg, family int) (netip.Addr, error) {
	if r.Rcode != dns.RcodeSuccess {
		return netip.Addr{}, fmt.Errorf("%w: %s", ErrSource, dns.RcodeToString[r.Rcode])
	}
	var addrs []string
	for _, rr := range r.Answer {
		switch rr := rr.(type) {
		case *dns.A:
			addrs = append(addrs, rr.A.String())
		case *dns.AAAA:
			addrs = append(addrs, rr.AAAA.String())
		case *dns.TXT:
			addrs = append(addrs, strings.Join(rr.Txt, ""))
		}
	}
	if len(addrs) != 1 {
		return netip.Addr{}, fmt.Errorf("%w: %d answers, want exactly one", ErrNotAddress, len(addrs))
	}
	return ParseReply([]byte(addrs[0]), family)
}

// UPnP reads the router's WAN address over UPnP IGD from its root
// description URL (no SSDP multicast: the URL is configured).
type UPnP struct{ URL string }

// Router marks sources that report the router's WAN address.
func (UPnP) Router() bool { return true }

type externalIPer interface {
	GetExternalIPAddressCtx(ctx context.Context) (string, error)
}

// Lookup asks the first WAN connection service the description lists:
// WANIPConnection (v1 or v2), or WANPPPConnection on a PPPoE line.
func (u UPnP) Lookup(ctx context.Context, family int) (netip.Addr, error) {
	if family != 4 {
		return netip.Addr{}, fmt.Errorf("%w: UPnP IGD reports only IPv4", ErrWrongFamily)
	}
	loc, err := url.Parse(u.URL)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%w: %w", ErrSource, err)
	}
	svc, err := wanService(ctx, loc)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%w: reading %s: %w", ErrSource, u.URL, err)
	}
	ip, err := svc.GetExternalIPAddressCtx(ctx)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%w: GetExternalIPAddress: %w", ErrSource, err)
	}
	return parseRouter(ip)
}

func wanService(ctx context.Context, loc *url.URL) (externalIPer, error) {
	root, err := goupnp.DeviceByURLCtx(ctx, loc)
	if err != nil {
		return nil, err
	}
	if c, _ := internetgateway2.NewWANIPConnection1ClientsFromRootDevice(root, loc); len(c) > 0 {
		return c[0], nil
	}
	if c, _ := internetgateway2.NewWANIPConnection2ClientsFromRootDevice(root, loc); len(c) > 0 {
		return c[0], nil
	}
	if c, _ := internetgateway2.NewWANPPPConnection1ClientsFromRootDevice(root, loc); len(c) > 0 {
		return c[0], nil
	}
	return nil, errors.New("it lists no WANIPConnection or WANPPPConnection service")
}

// NATPMP reads the router's WAN address over NAT-PMP (RFC 6886).
type NATPMP struct {
	Gateway netip.Addr
	Timeout time.Duration
}

// Router marks sources that report the router's WAN address.
func (NATPMP) Router() bool { return true }

// Lookup asks the gateway on UDP 5351.
func (n NATPMP) Lookup(ctx context.Context, family int) (netip.Addr, error) {
	if family != 4 {
		return netip.Addr{}, fmt.Errorf("%w: NAT-PMP reports only IPv4", ErrWrongFamily)
	}
	timeout := n.Timeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	res, err := natpmp.NewClientWithTimeout(n.Gateway.AsSlice(), timeout).GetExternalAddress()
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%w: NAT-PMP from %s: %w", ErrSource, n.Gateway, err)
	}
	return parseRouter(netip.AddrFrom4(res.ExternalIPAddress).String())
}

// parseRouter accepts a router's WAN address even when it is CGNAT or
// private (that is the CGNAT signal); only garbage is refused.
func parseRouter(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil || a.Zone() != "" || !a.Is4() {
		return netip.Addr{}, fmt.Errorf("%w: router said %.40q", ErrNotAddress, s)
	}
	return a, nil
}
