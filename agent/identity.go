package agent

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// ErrNoMachineID is returned when the OS offers no stable machine id.
var ErrNoMachineID = errors.New("no machine id (set device.id in the config)")

// DeviceID derives the stable device id from the OS machine id: an
// application-specific hash (the machine id itself is never published),
// 12 hex digits, so renaming the host keeps its entities.
func DeviceID(machineID string) string {
	m := hmac.New(sha256.New, []byte(strings.TrimSpace(machineID)))
	m.Write([]byte("homefleet device id"))
	return hex.EncodeToString(m.Sum(nil))[:12]
}

// Fingerprint names this machine in its state document, so an agent that
// finds another machine's documents under its id can tell: a hash of the
// machine id with a purpose of its own (neither the machine id nor the
// device id can be read back from it). "" without a machine id.
func Fingerprint() string {
	mid, err := machineID()
	if err != nil || strings.TrimSpace(mid) == "" {
		return ""
	}
	m := hmac.New(sha256.New, []byte(strings.TrimSpace(mid)))
	m.Write([]byte("homefleet machine fingerprint"))
	return hex.EncodeToString(m.Sum(nil))[:12]
}

// ResolveID returns configured when set, else the id derived from the
// machine id.
func ResolveID(configured string) (string, error) {
	if configured != "" {
		return configured, nil
	}
	mid, err := machineID()
	if err != nil {
		return "", fmt.Errorf("deriving device id: %w", err)
	}
	if strings.TrimSpace(mid) == "" {
		return "", ErrNoMachineID
	}
	return DeviceID(mid), nil
}
