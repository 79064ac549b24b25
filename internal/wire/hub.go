package wire

// The hub's own documents under homefleet/hub/.

// HubState is the hub's state document on homefleet/hub/state.
type HubState struct {
	V       int               `json:"v"`
	Online  int               `json:"online"`
	Devices map[string]string `json:"devices"` // device id -> online|offline
	// StoreError is why the history store cannot be written (a full or
	// read-only disk); empty while it works. Wake, schedules and
	// predictions go on meanwhile; unsaved history is kept in memory.
	StoreError string `json:"store_error,omitempty"`
}

// Wake results.
const (
	WakeSent         = "sent"
	WakeWoke         = "woke"
	WakeFailed       = "failed"
	WakeAlreadyAwake = "already_awake"
)

// WakeResult is the hub's document on homefleet/hub/wake/<device>.
type WakeResult struct {
	V             int     `json:"v"`
	TS            int64   `json:"ts"`
	Result        string  `json:"result"` // sent, woke, failed, already_awake
	LatencyS      float64 `json:"latency_s"`
	FirstPacketMS float64 `json:"first_packet_ms"`
	Packets       int     `json:"packets"`
}

// Prediction is the hub's document on homefleet/hub/disk/<device>/<disk>.
type Prediction struct {
	V         int      `json:"v"`
	TS        int64    `json:"ts"`
	State     string   `json:"state"`
	P30       float64  `json:"p30"`
	P90       float64  `json:"p90"`
	Within48h bool     `json:"within_48h"`
	Reasons   []string `json:"reasons"`
	Model     string   `json:"model,omitempty"`
}

// ScheduleState is the document on homefleet/hub/schedule/<name>.
type ScheduleState struct {
	V          int    `json:"v"`
	Enabled    bool   `json:"enabled"`
	NextRun    string `json:"next_run"` // RFC 3339
	LastRun    string `json:"last_run,omitempty"`
	LastResult string `json:"last_result,omitempty"`
}

// Leader is the hub's election document on homefleet/hub/leader, written
// by the hub that wins the election and by a leader that steps down. Only
// with failover (leader: in the hub's config).
type Leader struct {
	V      int    `json:"v"`
	TS     int64  `json:"ts"`
	Leader string `json:"leader"` // the member running the singleton duties; "" none
	Lease  string `json:"lease,omitempty"`
	Rev    int64  `json:"revision,omitempty"` // the leader key's revision, which fences its actions
	Since  string `json:"since,omitempty"`    // RFC 3339
	Reason string `json:"reason,omitempty"`   // why there is no leader
}

// DecodeLeader parses a Leader document and checks its version.
func DecodeLeader(b []byte) (Leader, error) {
	var d Leader
	err := decode(b, &d, &d.V, 1, "leader")
	return d, err
}
