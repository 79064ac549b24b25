// Package dnsmsg reads addresses out of DNS replies (miekg/dns messages).
package dnsmsg

import (
	"net"
	"net/netip"
	"slices"

	"github.com/miekg/dns"
)

// Addrs lists the A and AAAA addresses of a reply's answer section,
// unmapped and sorted.
func Addrs(resp *dns.Msg) []netip.Addr {
	var out []netip.Addr
	for _, rr := range resp.Answer {
		var ip net.IP
		switch rr := rr.(type) {
		case *dns.A:
			ip = rr.A
		case *dns.AAAA:
			ip = rr.AAAA
		}
		if a, ok := netip.AddrFromSlice(ip); ok {
			out = append(out, a.Unmap())
		}
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out
}
