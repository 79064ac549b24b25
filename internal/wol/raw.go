package wol

import (
	"fmt"
	"net"
	"strings"

	mwol "github.com/mdlayher/wol"
)

// RawPrefix marks an address that is an interface name: the magic packet
// goes out as a raw Ethernet frame (EtherType 0x0842) on it, which needs
// CAP_NET_RAW but no IP address on the target's subnet.
const RawPrefix = "raw:"

// Auto sends over UDP, or as a raw Ethernet frame for "raw:<interface>".
type Auto struct{}

// Send dispatches on the address form.
func (Auto) Send(addr string, mac net.HardwareAddr, password []byte) error {
	if ifname, ok := strings.CutPrefix(addr, RawPrefix); ok {
		return sendRaw(ifname, mac, password)
	}
	return UDP{}.Send(addr, mac, password)
}

func sendRaw(ifname string, mac net.HardwareAddr, password []byte) error {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return fmt.Errorf("raw WoL on %s: %w", ifname, err)
	}
	c, err := mwol.NewRawClient(ifi)
	if err != nil {
		return fmt.Errorf("raw WoL on %s (needs CAP_NET_RAW): %w", ifname, err)
	}
	defer c.Close()
	if err := c.WakePassword(mac, password); err != nil {
		return fmt.Errorf("raw WoL on %s: %w", ifname, err)
	}
	return nil
}
