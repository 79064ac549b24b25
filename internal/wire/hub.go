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
