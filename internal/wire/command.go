package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Command errors; each becomes the reason of a rejection event.
var (
	ErrMalformed = errors.New("malformed command payload")
	ErrStale     = errors.New("stale command")
	ErrRetained  = errors.New("retained command ignored")
)

// MaxCommandAge is how old a timestamped command may be.
const MaxCommandAge = 5 * time.Minute

// PressPayload is what an HA button sends.
const PressPayload = "PRESS"

// Command is the optional JSON body of a command. HA buttons send the bare
// PressPayload instead; such a command has no id and no timestamp and is
// trusted because it is not retained.
type Command struct {
	ID    string `json:"id,omitempty"`
	TS    int64  `json:"ts,omitempty"`    // unix seconds
	Force bool   `json:"force,omitempty"` // power verbs: override inhibitors
	// wake-relay: the agent sends magic packets for MAC to Broadcast, one
	// of its own subnets' broadcast addresses.
	MAC       string `json:"mac,omitempty"`
	Broadcast string `json:"broadcast,omitempty"`
}

// ParseCommand accepts an empty payload, PressPayload, or a JSON Command.
// A timestamped command older than MaxCommandAge (or more than that in
// the future) is stale.
func ParseCommand(payload []byte, now time.Time) (Command, error) {
	p := bytes.TrimSpace(payload)
	if len(p) == 0 || string(p) == PressPayload {
		return Command{}, nil
	}
	var c Command
	dec := json.NewDecoder(bytes.NewReader(p))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Command{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if c.TS != 0 {
		age := now.Sub(time.Unix(c.TS, 0))
		if age > MaxCommandAge || age < -MaxCommandAge {
			return Command{}, fmt.Errorf("%w: ts %d is %s away from now", ErrStale, c.TS, age.Round(time.Second))
		}
	}
	return c, nil
}

// Event is published (not retained) on homefleet/<device>/event.
type Event struct {
	V      int    `json:"v"`
	TS     int64  `json:"ts"`
	Type   string `json:"type"` // "command", ...
	Verb   string `json:"verb,omitempty"`
	ID     string `json:"id,omitempty"`
	OK     bool   `json:"ok"`
	Reason string `json:"reason,omitempty"`
	// Count is how many refusals of the same kind one event stands for
	// (a flood is reported once a second, counted).
	Count int `json:"count,omitempty"`
	// LatencyMS is set on wake results: from the Wake press to online.
	LatencyMS int64 `json:"latency_ms,omitempty"`
}
