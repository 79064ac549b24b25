package wire

// NetVersion is the version of the Net document.
const NetVersion = 1

// Net is a device's network identity on homefleet/<device>/net (retained).
type Net struct {
	V          int            `json:"v"`
	TS         int64          `json:"ts"`
	Interfaces []NetInterface `json:"interfaces"`
}

// NetInterface is one interface.
type NetInterface struct {
	Name      string    `json:"name"`
	MAC       string    `json:"mac"`
	IPv4      []string  `json:"ipv4"`
	IPv6      []NetIPv6 `json:"ipv6"`
	Broadcast []string  `json:"broadcast"`
	WoL       string    `json:"wol,omitempty"` // armed, off, or absent when unknown
}

// NetIPv6 is one IPv6 address.
type NetIPv6 struct {
	Addr   string `json:"addr"` // address/prefix length, e.g. 2a00:1450::10/64
	Stable bool   `json:"stable"`
}

// DecodeNet parses a Net document and checks its version.
func DecodeNet(b []byte) (Net, error) {
	var n Net
	err := decode(b, &n, &n.V, NetVersion, "net")
	return n, err
}
