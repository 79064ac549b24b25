// Package testrouter fakes a home router's WAN-address protocols on
// loopback for tests. Import from tests only.
package testrouter

import (
	"fmt"
	"math/rand/v2"
	"net"
	"testing"

	"github.com/homefleet/homefleet/internal/peer"
)

// NATPMPPort is fixed by the protocol (RFC 6886): a client cannot be told
// another, so the fake takes an address of its own instead of a port.
const NATPMPPort = 5351

// NATPMP starts a NAT-PMP gateway that answers the external address
// request with wan, on a loopback address no other test uses
// (127.53.x.y, chosen at random), and returns that address.
func NATPMP(t testing.TB, wan [4]byte) string {
	t.Helper()
	var pc net.PacketConn
	var gw string
	var err error
	for range 20 {
		gw = fmt.Sprintf("127.53.%d.%d", rand.N(250)+1, rand.N(250)+1) //nolint:gosec // an address, not a secret
		if pc, err = net.ListenPacket("udp4", fmt.Sprintf("%s:%d", gw, NATPMPPort)); err == nil {
			break
		}
	}
	if err != nil {
		peer.Missing(t, "no loopback address free for a NAT-PMP gateway on port %d: %v", NATPMPPort, err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	go func() {
		buf := make([]byte, 64)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if n != 2 || buf[0] != 0 || buf[1] != 0 { // version 0, external address request
				continue
			}
			_, _ = pc.WriteTo([]byte{0, 128, 0, 0, 0, 0, 0, 42, wan[0], wan[1], wan[2], wan[3]}, from)
		}
	}()
	return gw
}
