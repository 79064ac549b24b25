package agent

import (
	"time"

	"github.com/homefleet/homefleet/internal/netid"
	"github.com/homefleet/homefleet/internal/wire"
)

// NetToWire maps the network identity to its document.
func NetToWire(ifs []netid.Interface, now time.Time) wire.Net {
	n := wire.Net{V: wire.NetVersion, TS: now.Unix(), Interfaces: make([]wire.NetInterface, 0, len(ifs))}
	for _, i := range ifs {
		w := wire.NetInterface{Name: i.Name, MAC: i.MAC, IPv4: nonNil(i.IPv4), Broadcast: nonNil(i.Broadcast), WoL: i.WoL,
			IPv6: make([]wire.NetIPv6, 0, len(i.IPv6))}
		for _, a := range i.IPv6 {
			w.IPv6 = append(w.IPv6, wire.NetIPv6{Addr: a.Addr, Stable: a.Stable})
		}
		n.Interfaces = append(n.Interfaces, w)
	}
	return n
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
