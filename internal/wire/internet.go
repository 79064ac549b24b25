package wire

// PublicIP is the hub's public address document (retained).
type PublicIP struct {
	V            int    `json:"v"`
	IPv4         string `json:"ipv4"` // "" until sources agree
	IPv6         string `json:"ipv6"`
	PreviousIPv4 string `json:"previous_ipv4"`
	PreviousIPv6 string `json:"previous_ipv6"`
	ChangedIPv4  string `json:"changed_ipv4"` // RFC 3339
	ChangedIPv6  string `json:"changed_ipv6"`
	Disagree     bool   `json:"disagree"`     // sources gave different public addresses, or failed: no write
	Disagreement string `json:"disagreement"` // every address with its sources, and the failures
	Excluded     string `json:"excluded"`     // sources that answered a non-public address: not counted
	NoQuorum     string `json:"no_quorum"`    // too few agree, without any disagreeing: no write
	Sources      string `json:"sources"`      // the sources behind the addresses
	CGNAT        bool   `json:"cgnat"`
	CGNATReason  string `json:"cgnat_reason"`
	RouterWAN    string `json:"router_wan"`
	Checked      string `json:"checked"` // RFC 3339
}

// DDNSRecord is one record's state (retained).
type DDNSRecord struct {
	V             int    `json:"v"`
	Name          string `json:"name"`
	Type          string `json:"type"`
	Addr          string `json:"addr"`    // last written
	InSync        bool   `json:"in_sync"` // the authoritative servers serve addr
	LastError     string `json:"last_error"`
	LastUpdate    string `json:"last_update"` // RFC 3339
	VerifiedAt    string `json:"verified_at"`
	PropagationMS int64  `json:"propagation_ms"`
	WriteMS       int64  `json:"write_ms"`
	Disabled      bool   `json:"disabled"`
	Note          string `json:"note,omitempty"` // why the last Update DDNS now sent nothing
}

// Probe is one service probe's result (retained).
type Probe struct {
	V         int     `json:"v"`
	Up        bool    `json:"up"`
	LatencyMS float64 `json:"latency_ms"`
	Error     string  `json:"error"`
	Detail    string  `json:"detail,omitempty"` // e.g. "SMB 3.0.2"
	Checked   string  `json:"checked"`
}

// Trigger is a device-trigger payload with its details; HA matches on
// Event.
type Trigger struct {
	Event  string `json:"event"`
	Old    string `json:"old,omitempty"`
	New    string `json:"new,omitempty"`
	Family string `json:"family,omitempty"`
	Record string `json:"record,omitempty"`
	Error  string `json:"error,omitempty"`
	Device string `json:"device,omitempty"`
}
