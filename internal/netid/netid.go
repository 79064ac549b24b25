// Package netid reads this machine's network identity: per interface its
// MAC, addresses (stable IPv6 flagged), directed broadcasts and whether
// Wake-on-LAN is armed. The agent publishes it (wire.Net) so the hub can
// wake the machine without manual entry; the hub reads its own to know
// which subnets it can reach directly.
package netid

import (
	"net"
	"slices"
	"strings"
)

// Interface is one network interface.
type Interface struct {
	Name      string
	MAC       string
	IPv4      []string // address/prefix
	IPv6      []IPv6
	Broadcast []string // directed broadcast of each IPv4 subnet
	WoL       string   // "armed", "off" or "" (unknown)
}

// IPv6 is one IPv6 address.
type IPv6 struct {
	Addr   string // address/prefix
	Stable bool   // global, not temporary (privacy) and not deprecated
}

// addrFlags are kernel address flags by address, where the OS has them.
type addrFlags map[string]uint32

// Collect lists physical interfaces that are up and have a MAC.
func Collect() ([]Interface, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	flags := ipv6Flags()
	var out []Interface
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 || len(ifc.HardwareAddr) != 6 || virtual(ifc.Name) {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		out = append(out, build(ifc.Name, ifc.HardwareAddr, addrs, flags, wolState(ifc.Name)))
	}
	return out, nil
}

// Linux IFA_F_* flags of /proc/net/if_inet6.
const (
	flagTemporary  = 0x01
	flagDeprecated = 0x20
)

func build(name string, mac net.HardwareAddr, addrs []net.Addr, flags addrFlags, wol string) Interface {
	i := Interface{Name: name, MAC: mac.String(), WoL: wol}
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		if v4 := ipn.IP.To4(); v4 != nil {
			i.IPv4 = append(i.IPv4, ipn.String())
			if ones, bits := ipn.Mask.Size(); bits == 32 && ones < 31 {
				i.Broadcast = append(i.Broadcast, broadcast(v4, ipn.Mask).String())
			}
			continue
		}
		if !ipn.IP.IsGlobalUnicast() {
			continue // link-local: no use for waking or DNS
		}
		f := flags[ipn.IP.String()]
		i.IPv6 = append(i.IPv6, IPv6{Addr: ipn.String(), Stable: f&(flagTemporary|flagDeprecated) == 0 && !ipn.IP.IsPrivate()})
	}
	slices.Sort(i.IPv4)
	slices.Sort(i.Broadcast)
	return i
}

// broadcast is the directed broadcast address of ip/mask.
func broadcast(ip net.IP, mask net.IPMask) net.IP {
	b := make(net.IP, 4)
	m := mask
	if len(m) == 16 {
		m = m[12:]
	}
	for k := range 4 {
		b[k] = ip[k] | ^m[k]
	}
	return b
}

func virtual(name string) bool {
	for _, p := range []string{"docker", "veth", "br-", "virbr", "vnet", "tun", "tap", "wg", "tailscale", "zt", "lo"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// Broadcasts maps this machine's subnets' directed broadcasts to their
// interface.
func Broadcasts() map[string]string {
	ifs, err := Collect()
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for _, i := range ifs {
		for _, b := range i.Broadcast {
			out[b] = i.Name
		}
	}
	return out
}
