// Package smart reads disk identity and SMART health: through
// anatol/smart.go on Linux, and `smartctl --json` (smartmontools 7+)
// where that is unsupported. It knows nothing of MQTT, HA or the hub.
package smart

import (
	"errors"
	"strconv"
)

// Sentinel errors.
var (
	ErrUnsupported = errors.New("no SMART support")
	ErrPermission  = errors.New("no permission to read SMART (run as root or grant CAP_SYS_RAWIO and CAP_SYS_ADMIN)")
	ErrStandby     = errors.New("disk is in standby")
	ErrParse       = errors.New("cannot parse SMART data")
)

// Protocols.
const (
	ATA  = "ATA"
	NVMe = "NVMe"
	SCSI = "SCSI"
)

// Disk is the normalized SMART reading of one physical disk.
type Disk struct {
	Name        string // kernel name (sda, nvme0n1) or smartctl device name
	Protocol    string // ATA, NVMe, SCSI
	Model       string
	Serial      string
	Firmware    string
	Capacity    uint64 // bytes
	RotationRPM int    // 0 = SSD, -1 = unknown
	Source      string // "smart.go" or "smartctl"
	Standby     bool   // skipped: reading would spin it up

	Health       Health
	Temperature  *float64 // °C
	PowerOnHours *uint64
	PowerCycles  *uint64
	Attrs        []Attr // ATA attributes of interest, by id
	NVMe         *NVMeHealth
	GrownDefects *uint64 // SCSI grown defect list
	SelfTest     *SelfTest
}

// Health is the device's own verdict.
type Health struct {
	Passed  bool     // smartctl smart_status.passed, or derived
	Known   bool     // false: the device gave no verdict
	Reasons []string // why it is failing, in words
}

// Attr is one ATA SMART attribute.
type Attr struct {
	ID         uint8
	Name       string
	Value      int    // normalized current
	Worst      int    // normalized worst
	Thresh     int    // failure threshold (0 = none)
	Raw        uint64 // raw 48-bit value as reported
	Count      uint64 // decoded count (packed vendor raw values unpacked)
	Prefail    bool
	WhenFailed string // "", "past", "now"
}

// NVMeHealth is the NVMe SMART / health information log.
type NVMeHealth struct {
	CriticalWarning  uint8
	AvailableSpare   int // %
	SpareThreshold   int // %
	PercentUsed      int // % of rated endurance, may exceed 100
	MediaErrors      uint64
	UnsafeShutdowns  uint64
	DataUnitsRead    uint64 // units of 512,000 bytes
	DataUnitsWritten uint64
	ErrorLogEntries  uint64
}

// SelfTest is the latest self-test result.
type SelfTest struct {
	Type   string
	Passed bool
	Status string
	Hours  uint64 // power-on hours when it ran
}

// Attr returns attribute id, if present.
func (d Disk) Attr(id uint8) (Attr, bool) {
	for _, a := range d.Attrs {
		if a.ID == id {
			return a, true
		}
	}
	return Attr{}, false
}

// NVMe critical warning bits.
var nvmeWarnings = []string{
	"available spare below threshold",
	"temperature outside limits",
	"reliability degraded",
	"media placed in read-only mode",
	"volatile memory backup failed",
	"persistent memory region unreliable",
}

// deriveHealth fills Health from what the device reported: a prefail
// attribute at or below its threshold, or an NVMe critical warning.
// verdict is smartctl's smart_status.passed when known.
func (d *Disk) deriveHealth(verdict *bool) {
	var reasons []string
	for _, a := range d.Attrs {
		if a.Prefail && a.Thresh > 0 && a.Value <= a.Thresh {
			reasons = append(reasons, "attribute "+strconv.Itoa(int(a.ID))+" "+a.Name+" at or below its threshold")
		}
	}
	if d.NVMe != nil {
		for bit, text := range nvmeWarnings {
			if d.NVMe.CriticalWarning&(1<<bit) != 0 {
				reasons = append(reasons, "NVMe critical warning: "+text)
			}
		}
		if d.NVMe.SpareThreshold > 0 && d.NVMe.AvailableSpare < d.NVMe.SpareThreshold && d.NVMe.CriticalWarning&1 == 0 {
			reasons = append(reasons, "NVMe available spare below threshold")
		}
	}
	switch {
	case verdict != nil:
		d.Health.Known, d.Health.Passed = true, *verdict && len(reasons) == 0
		if !*verdict && len(reasons) == 0 {
			reasons = append(reasons, "drive reports SMART overall-health FAILED")
		}
	case len(d.Attrs) > 0 || d.NVMe != nil:
		d.Health.Known, d.Health.Passed = true, len(reasons) == 0
	}
	d.Health.Reasons = reasons
}

// decodeCount unpacks vendor-packed raw values into a count: 188
// (command timeouts) and 187 keep the low 16 bits when the upper words
// are used (Seagate packs three 16-bit counters), temperatures keep the
// low byte, power-on hours the low 32 bits (Seagate adds minutes above).
func decodeCount(id uint8, raw uint64) uint64 {
	switch id {
	case 187, 188:
		if raw > 0xFFFF {
			return raw & 0xFFFF
		}
	case 190, 194:
		return raw & 0xFF
	case 9:
		return raw & 0xFFFFFFFF
	case 5, 196, 197, 198, 199, 10, 12, 189:
		return raw & 0xFFFFFFFF
	}
	return raw
}
