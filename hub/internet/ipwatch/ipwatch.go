// Package ipwatch decides the public IP address from several independent
// sources, and only when enough of them agree. Pure decisions; the
// sources (UPnP, NAT-PMP, echo services, DNS, agents) feed it answers.
package ipwatch

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
)

// Sentinel errors.
var (
	ErrNotAddress   = errors.New("reply is not a bare IP address")
	ErrNotPublic    = errors.New("address is not a public unicast address")
	ErrWrongFamily  = errors.New("address of the wrong family")
	ErrNoQuorum     = errors.New("sources do not agree")
	ErrCGNATAddress = errors.New("address is in the shared CGNAT range 100.64.0.0/10")
)

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// bogons are ranges never routed on the internet (RFC 6890 and friends).
var bogons = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8"), cgnat,
	netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("169.254.0.0/16"), netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.0.0.0/24"), netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("198.18.0.0/15"), netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("224.0.0.0/3"),
	netip.MustParsePrefix("::/8"), netip.MustParsePrefix("64:ff9b::/96"), netip.MustParsePrefix("100::/64"),
	netip.MustParsePrefix("2001:db8::/32"), netip.MustParsePrefix("fc00::/7"), netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("ff00::/8"),
}

// ParseReply accepts a reply that is exactly one IP address of family (4
// or 6), surrounded by whitespace at most: an HTML error page, a JSON
// document or two addresses are refused, so garbage never reaches a
// provider.
func ParseReply(body []byte, family int) (netip.Addr, error) {
	s := strings.TrimSpace(string(body))
	if len(s) > 64 || strings.ContainsAny(s, " \t\r\n<>{}\"") {
		return netip.Addr{}, fmt.Errorf("%w: %.40q", ErrNotAddress, s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("%w: %.40q", ErrNotAddress, s)
	}
	a = a.Unmap()
	if (family == 4) != a.Is4() {
		return netip.Addr{}, fmt.Errorf("%w: %s, want IPv%d", ErrWrongFamily, a, family)
	}
	return a, CheckPublic(a)
}

// CheckPublic refuses private, CGNAT, bogon, loopback, link-local and
// multicast addresses.
func CheckPublic(a netip.Addr) error {
	if cgnat.Contains(a) {
		return fmt.Errorf("%w: %s", ErrCGNATAddress, a)
	}
	for _, p := range bogons {
		if p.Contains(a) {
			return fmt.Errorf("%w: %s is in %s", ErrNotPublic, a, p)
		}
	}
	if !a.IsGlobalUnicast() {
		return fmt.Errorf("%w: %s", ErrNotPublic, a)
	}
	return nil
}

// Answer is one source's reply.
type Answer struct {
	Source string
	Addr   netip.Addr
	Err    error
}

// Decision is the consensus over a round of answers.
type Decision struct {
	Addr     netip.Addr
	Agree    []string // sources behind Addr
	Dissent  []string // "source: address or error" of the others
	Groups   []string // every address with the sources behind it, most votes first: "81.2.69.142: a, b"
	Excluded []string // sources that answered a non-public address: not a vote, not a disagreement
}

// Contested reports a real disagreement: another public address, or a
// source that failed; answers that were not public addresses do not count.
func (d Decision) Contested() bool { return len(d.Dissent) > 0 }

// Consensus returns the address at least quorum independent sources
// agree on. A tie or too few votes is ErrNoQuorum, with the details.
// A source that answers a private, CGNAT or documentation address is
// left out of the vote and listed in Excluded.
func Consensus(answers []Answer, quorum int) (Decision, error) {
	votes := map[netip.Addr][]string{}
	var d Decision
	for _, a := range answers {
		switch {
		case errors.Is(a.Err, ErrNotPublic) || errors.Is(a.Err, ErrCGNATAddress):
			d.Excluded = append(d.Excluded, a.Source+": "+a.Err.Error())
			continue
		case a.Err != nil:
			d.Dissent = append(d.Dissent, a.Source+": "+a.Err.Error())
			continue
		}
		votes[a.Addr] = append(votes[a.Addr], a.Source)
	}
	sort.Strings(d.Excluded)
	type tally struct {
		addr    netip.Addr
		sources []string
	}
	var ts []tally
	for addr, srcs := range votes {
		sort.Strings(srcs)
		ts = append(ts, tally{addr, srcs})
	}
	sort.Slice(ts, func(i, j int) bool {
		if len(ts[i].sources) != len(ts[j].sources) {
			return len(ts[i].sources) > len(ts[j].sources)
		}
		return ts[i].addr.Less(ts[j].addr)
	})
	for i, t := range ts {
		d.Groups = append(d.Groups, t.addr.String()+": "+strings.Join(t.sources, ", "))
		if i > 0 {
			for _, s := range t.sources {
				d.Dissent = append(d.Dissent, s+": "+t.addr.String())
			}
		}
	}
	sort.Strings(d.Dissent)
	if len(ts) == 0 || len(ts[0].sources) < max(quorum, 1) || (len(ts) > 1 && len(ts[1].sources) == len(ts[0].sources)) {
		return d, fmt.Errorf("%w (quorum %d): %s", ErrNoQuorum, quorum, strings.Join(append(slices.Clone(d.Groups), append(d.Dissent, d.Excluded...)...), "; "))
	}
	d.Addr, d.Agree = ts[0].addr, ts[0].sources
	return d, nil
}

// BehindCGNAT explains why the router's WAN address shows carrier-grade
// NAT: it lies in 100.64.0.0/10, or differs from the public address the
// other sources agree on. Empty when not behind CGNAT.
func BehindCGNAT(routerWAN, public netip.Addr) string {
	switch {
	case !routerWAN.IsValid():
		return ""
	case cgnat.Contains(routerWAN):
		return fmt.Sprintf("the router's WAN address %s is in the CGNAT range 100.64.0.0/10: the provider shares one public address, incoming connections cannot reach home", routerWAN)
	case public.IsValid() && routerWAN != public:
		return fmt.Sprintf("the router's WAN address %s differs from the public address %s: there is another NAT upstream", routerWAN, public)
	}
	return ""
}
