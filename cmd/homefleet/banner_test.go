package main

import (
	"fmt"
	"net/netip"
	"testing"
)

func TestLANAddrs(t *testing.T) {
	ifs := []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("fe80::1"), netip.MustParseAddr("2001:db8::5"),
		netip.MustParseAddr("192.168.1.10"), netip.MustParseAddr("10.0.0.2")}
	tests := []struct{ listen, want string }{
		{"0.0.0.0:1883", "[10.0.0.2:1883 192.168.1.10:1883]"},
		{":1883", "[10.0.0.2:1883 192.168.1.10:1883 [2001:db8::5]:1883]"},
		{"[::]:1883", "[10.0.0.2:1883 192.168.1.10:1883 [2001:db8::5]:1883]"},
		{"192.168.1.10:1883", "[192.168.1.10:1883]"},
		{"127.0.0.1:1883", "[]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(lanAddrs(tt.listen, ifs)); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.listen, got, tt.want)
		}
	}
}
