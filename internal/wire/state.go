// Package wire holds the versioned JSON payloads shared by agent and hub.
// Field names are part of the MQTT contract: HA value_templates read them,
// so renaming one is a breaking change guarded by golden files.
package wire

import (
	"encoding/json"
	"errors"
	"fmt"
)

// StateVersion is the version of the State document.
const StateVersion = 1

// ErrVersion is returned when a payload has a version this build cannot read.
var ErrVersion = errors.New("unsupported payload version")

// State is the one JSON document of all host readings, published retained
// on homefleet/<device>/state. Map keys are ids of [a-z0-9_] starting with
// a letter, so HA templates can use value_json.fs.<key>.pct.
type State struct {
	V        int      `json:"v"`
	TS       int64    `json:"ts"`            // unix seconds of the collection
	CPU      *float64 `json:"cpu,omitempty"` // % busy over the last interval; absent until two readings exist
	Load1    float64  `json:"load1"`
	Load5    float64  `json:"load5"`
	Load15   float64  `json:"load15"`
	MemPct   float64  `json:"mem_pct"`
	MemUsed  uint64   `json:"mem_used"`  // bytes
	MemAvail uint64   `json:"mem_avail"` // bytes
	SwapPct  float64  `json:"swap_pct"`
	Uptime   uint64   `json:"uptime"` // seconds
	Boot     string   `json:"boot"`   // RFC 3339 with zone
	Procs    uint64   `json:"procs"`

	FS   map[string]FS      `json:"fs,omitempty"`
	IO   map[string]DiskIO  `json:"io,omitempty"`
	Net  map[string]NetIO   `json:"net,omitempty"`
	Temp map[string]float64 `json:"temp,omitempty"` // °C

	Facts   Facts    `json:"facts"`
	Idle    *Idle    `json:"idle,omitempty"`
	Allowed Allowed  `json:"allowed"`
	Running []string `json:"running,omitempty"` // jobs running now, sorted
}

// Allowed is what this agent will do when asked: the power verbs its
// config allows and the OS offers (HA shows only those buttons), and the
// jobs its config defines. Anything else is refused with an event.
type Allowed struct {
	Power []string `json:"power"`
	Jobs  []string `json:"jobs"`
}

// Idle is the activity verdict (absent until the first check ran, which
// waits for the first rates).
type Idle struct {
	Idle      bool     `json:"idle"`
	ForMin    int64    `json:"for_min"` // minutes idle so far (0 while active)
	Reasons   []string `json:"reasons"` // what keeps the machine awake
	KeepAwake bool     `json:"keep_awake"`
}

// FS is the usage of one mounted filesystem.
type FS struct {
	Path string  `json:"path"`
	Pct  float64 `json:"pct"`
	Used uint64  `json:"used"` // bytes
	Free uint64  `json:"free"` // bytes
}

// DiskIO is the throughput and latency of one block device.
type DiskIO struct {
	Read  *uint64  `json:"r,omitempty"`   // bytes/s; rates are absent until two readings exist
	Write *uint64  `json:"w,omitempty"`   // bytes/s
	Lat   *float64 `json:"lat,omitempty"` // ms per operation over the interval
}

// NetIO is the throughput of one network interface.
type NetIO struct {
	Rx *uint64 `json:"rx,omitempty"` // bytes/s; absent until two readings exist
	Tx *uint64 `json:"tx,omitempty"` // bytes/s
}

// Facts are slow-changing diagnostic facts about the host.
type Facts struct {
	OS      string   `json:"os"`
	Kernel  string   `json:"kernel"`
	Arch    string   `json:"arch"`
	Version string   `json:"agent"`
	IPs     []string `json:"ips"`
	Host    string   `json:"host,omitempty"`    // host name, to name the machine in a clash of ids
	Machine string   `json:"machine,omitempty"` // a fingerprint of the machine id (not the id itself)
}

// DecodeState parses a State document and checks its version.
func DecodeState(b []byte) (State, error) {
	var s State
	err := decode(b, &s, &s.V, StateVersion, "state")
	return s, err
}

// decode unmarshals b into v and checks the document's version field.
func decode(b []byte, v any, version *int, want int, what string) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decoding %s: %w", what, err)
	}
	if *version != want {
		return fmt.Errorf("decoding %s: v=%d: %w", what, *version, ErrVersion)
	}
	return nil
}
