//go:build !agentonly

package main

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"syscall"

	"github.com/homefleet/homefleet/hub"
	"github.com/homefleet/homefleet/internal/access"
	"github.com/homefleet/homefleet/internal/broker"
)

// printDemoBanner says where to point HA and MQTT Explorer; listen is the
// configured listen address (the bound one may read [::]). On a LAN
// listener the broker needs logins: ha is the one to enter in HA (shown
// here, on the terminal, never in a log line).
func printDemoBanner(e env, h *hub.Hub, listen string, ha access.Login, file string) {
	w := e.stdout
	fmt.Fprintln(w, "homefleet demo is running. Ctrl-C stops it.")
	addr := h.BrokerAddr()
	if addr == "" {
		fmt.Fprintf(w, "  External MQTT broker: %s\n", h.BrokerURL())
		fmt.Fprintf(w, "  MQTT Explorer: connect to %s and watch homefleet/# and homeassistant/#\n", h.BrokerURL())
		return
	}
	if ha.Name == "" {
		fmt.Fprintf(w, "  Embedded MQTT broker: %s (this machine only, no login needed)\n", h.ListenURL())
	} else {
		fmt.Fprintf(w, "  Embedded MQTT broker: %s (logins required; they are kept in %s)\n", h.ListenURL(), file)
	}
	if _, port, err := net.SplitHostPort(addr); err == nil { // the port actually bound (":0" picks one)
		host, _, _ := net.SplitHostPort(listen)
		listen = net.JoinHostPort(host, port)
	}
	lan := lanAddrs(listen, interfaceAddrs())
	switch {
	case len(lan) > 0:
		fmt.Fprintf(w, "  Home Assistant: Settings > Devices & services > Add integration > MQTT, broker %s, port %s\n", lan[0].Addr(), strconv.Itoa(int(lan[0].Port())))
		for _, a := range lan[1:] {
			fmt.Fprintf(w, "    (or %s, this machine's other address)\n", a)
		}
	default:
		fmt.Fprintf(w, "  Home Assistant: Settings > Devices & services > Add integration > MQTT, broker %s\n", addr)
		if ha.Name == "" {
			fmt.Fprintln(w, "    (HA on another machine needs --listen 0.0.0.0:1883, then this machine's LAN address)")
		}
	}
	if ha.Name != "" {
		fmt.Fprintf(w, "    username %s, password %s\n", ha.Name, ha.Password)
	}
	explorer := "watch homefleet/# and homeassistant/#"
	if ha.Name != "" {
		explorer += " (log in as " + ha.Name + ")"
	}
	fmt.Fprintf(w, "  MQTT Explorer: connect to %s and %s\n", h.ListenURL(), explorer)
}

// lanAddrs are the addresses another machine reaches a broker listening
// on listen at: for a wildcard listen (":1883", "0.0.0.0:1883", "[::]:1883")
// every up, non-loopback IPv4 of this machine, IPv4 first; for a given
// non-loopback address, that one; nothing for loopback.
func lanAddrs(listen string, ifaddrs []netip.Addr) []netip.AddrPort {
	ap, err := netip.ParseAddrPort(normalizeListen(listen))
	if err != nil {
		return nil
	}
	if !ap.Addr().IsUnspecified() {
		if ap.Addr().IsLoopback() {
			return nil
		}
		return []netip.AddrPort{ap}
	}
	var out []netip.AddrPort
	for _, a := range ifaddrs {
		if a.IsLoopback() || a.IsLinkLocalUnicast() || (ap.Addr().Is4() && !a.Is4()) {
			continue
		}
		out = append(out, netip.AddrPortFrom(a, ap.Port()))
	}
	slices.SortStableFunc(out, func(x, y netip.AddrPort) int {
		if x.Addr().Is4() != y.Addr().Is4() {
			if x.Addr().Is4() {
				return -1
			}
			return 1
		}
		return x.Addr().Compare(y.Addr())
	})
	return out
}

func normalizeListen(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if host == "" {
		host = "::"
	}
	return net.JoinHostPort(host, port)
}

func interfaceAddrs() []netip.Addr {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			out = append(out, p.Addr())
		}
	}
	return out
}

// explainListen adds what to do to a listen failure.
func explainListen(err error, listen string) error {
	if !errors.Is(err, broker.ErrListen) || !errors.Is(err, syscall.EADDRINUSE) {
		return err
	}
	host, port, _ := net.SplitHostPort(listen)
	p, _ := strconv.Atoi(port)
	return fmt.Errorf("%w\n  port %s is taken (another MQTT broker, Mosquitto?): choose another with --listen %s, or use that broker with --broker mqtt://%s",
		err, port, net.JoinHostPort(host, strconv.Itoa(p+1)), dialHost(listen))
}

func dialHost(listen string) string {
	host, port, _ := net.SplitHostPort(listen)
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
