package wire

// EvacuationVersion is the version of the Evacuation document.
const EvacuationVersion = 1

// Evacuation states: what HA's Evacuation sensor shows.
const (
	EvacuationIdle    = "idle"    // never asked on this disk
	EvacuationRunning = "running" // copying now: see bytes, percent, eta_s
	EvacuationDone    = "done"
	EvacuationFailed  = "failed"  // the copy ended with an error: see reason
	EvacuationRefused = "refused" // not started: see reason (no room, no mounts, already done)
)

// EvacuationStates are every state, the options of HA's sensor.
var EvacuationStates = []string{EvacuationIdle, EvacuationRunning, EvacuationDone, EvacuationFailed, EvacuationRefused} //nolint:gochecknoglobals // fixed list

// Evacuation is the retained document on homefleet/<device>/evacuation/<disk>:
// the latest copy of the disk's data off it, while it runs and after.
type Evacuation struct {
	V           int      `json:"v"`
	TS          int64    `json:"ts"`
	State       string   `json:"state"`
	ID          string   `json:"id,omitempty"` // the request: one per entry of the disk into Critical
	Mounts      []string `json:"mounts"`
	Destination string   `json:"destination,omitempty"`
	Bytes       uint64   `json:"bytes"`   // copied so far
	Total       uint64   `json:"total"`   // to copy (what the mounts use)
	Percent     int      `json:"percent"` // 0-100
	ETASeconds  int64    `json:"eta_s"`   // rsync's estimate (0: unknown or done)
	Started     int64    `json:"started,omitempty"`
	Finished    int64    `json:"finished,omitempty"`
	Reason      string   `json:"reason,omitempty"`
}
