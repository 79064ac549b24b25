package wol

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/homefleet/homefleet/internal/peer"
	"github.com/homefleet/homefleet/internal/testbroker"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

// TestRawFrameCapturedByTshark sends a raw Ethernet WoL frame on the
// loopback interface and has tshark decode it.
func TestRawFrameCapturedByTshark(t *testing.T) {
	peer.Root(t, "a raw Ethernet frame (CAP_NET_RAW)")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	capture := testbroker.Tshark(t, ctx, "-f", "ether proto 0x0842", "-c", "1", "-T", "fields", "-e", "eth.type", "-e", "wol.mac")
	mac, _ := ParseMAC("02:11:22:33:44:55")
	if _, err := Send(ctx, Auto{}, Target{Name: "x", MAC: mac, Addresses: []string{RawPrefix + "lo"}}, Options{Repeats: 1}); err != nil {
		t.Fatal(err)
	}
	lines := capture.Lines()
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "0x0842") || !strings.Contains(lines[0], "02:11:22:33:44:55") {
		t.Errorf("tshark saw %q, want EtherType 0x0842 and the MAC", lines)
	}
}
