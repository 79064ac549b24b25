package netid

import (
	"bufio"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
)

// ipv6Flags reads address flags from /proc/net/if_inet6.
func ipv6Flags() addrFlags {
	f, err := os.Open("/proc/net/if_inet6")
	if err != nil {
		return nil
	}
	defer f.Close()
	return parseIfInet6(f)
}

// parseIfInet6 parses lines "addr32hex ifindex prefixlen scope flags name".
func parseIfInet6(r io.Reader) addrFlags {
	out := addrFlags{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || len(fields[0]) != 32 {
			continue
		}
		ip := make(net.IP, 16)
		ok := true
		for k := range 16 {
			v, err := strconv.ParseUint(fields[0][2*k:2*k+2], 16, 8)
			if err != nil {
				ok = false
				break
			}
			ip[k] = byte(v)
		}
		flags, err := strconv.ParseUint(fields[4], 16, 32)
		if !ok || err != nil {
			continue
		}
		out[ip.String()] = uint32(flags)
	}
	return out
}

// wolState reads whether the NIC may wake the machine (the device's
// wakeup setting, which ethtool's "Wake-on: g" arms).
func wolState(name string) string {
	b, err := os.ReadFile("/sys/class/net/" + name + "/device/power/wakeup")
	if err != nil {
		return ""
	}
	switch strings.TrimSpace(string(b)) {
	case "enabled":
		return "armed"
	case "disabled":
		return "off"
	}
	return ""
}
