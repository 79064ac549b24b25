package smart

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/homefleet/homefleet/internal/smartattr"
)

// smartctl --json output, the parts homefleet reads.
type smartctlJSON struct {
	JSONFormatVersion []int `json:"json_format_version"`
	Smartctl          struct {
		Version    []int `json:"version"`
		ExitStatus int   `json:"exit_status"`
		Messages   []struct {
			String   string `json:"string"`
			Severity string `json:"severity"`
		} `json:"messages"`
	} `json:"smartctl"`
	Device struct {
		Name     string `json:"name"`
		Type     string `json:"type"`
		Protocol string `json:"protocol"`
	} `json:"device"`
	ModelName    string `json:"model_name"`
	ScsiModel    string `json:"scsi_model_name"`
	ScsiProduct  string `json:"scsi_product"`
	SerialNumber string `json:"serial_number"`
	Firmware     string `json:"firmware_version"`
	ScsiRevision string `json:"scsi_revision"`
	UserCapacity struct {
		Bytes uint64 `json:"bytes"`
	} `json:"user_capacity"`
	NVMeTotalCapacity uint64          `json:"nvme_total_capacity"`
	RotationRate      *int            `json:"rotation_rate"`
	PowerMode         string          `json:"power_mode"`
	SmartSupport      json.RawMessage `json:"smart_support"` // {"available": bool} or, from old versions, a bool
	SmartStatus       *struct {
		Passed *bool `json:"passed"`
	} `json:"smart_status"`
	PowerOnTime *struct {
		Hours uint64 `json:"hours"`
	} `json:"power_on_time"`
	PowerCycleCount *uint64 `json:"power_cycle_count"`
	Temperature     *struct {
		Current *float64 `json:"current"`
	} `json:"temperature"`
	ATAAttributes *struct {
		Table []struct {
			ID         uint8  `json:"id"`
			Name       string `json:"name"`
			Value      int    `json:"value"`
			Worst      int    `json:"worst"`
			Thresh     int    `json:"thresh"`
			WhenFailed string `json:"when_failed"`
			Flags      struct {
				Prefailure bool `json:"prefailure"`
			} `json:"flags"`
			Raw struct {
				Value  uint64 `json:"value"`
				String string `json:"string"`
			} `json:"raw"`
		} `json:"table"`
	} `json:"ata_smart_attributes"`
	NVMeLog *struct {
		CriticalWarning  uint8  `json:"critical_warning"`
		AvailableSpare   int    `json:"available_spare"`
		SpareThreshold   int    `json:"available_spare_threshold"`
		PercentageUsed   int    `json:"percentage_used"`
		MediaErrors      uint64 `json:"media_errors"`
		UnsafeShutdowns  uint64 `json:"unsafe_shutdowns"`
		DataUnitsRead    uint64 `json:"data_units_read"`
		DataUnitsWritten uint64 `json:"data_units_written"`
		NumErrLogEntries uint64 `json:"num_err_log_entries"`
	} `json:"nvme_smart_health_information_log"`
	ScsiGrownDefects *uint64     `json:"scsi_grown_defect_list"`
	SelfTestLog      *selfTestLg `json:"ata_smart_self_test_log"`
}

type selfTestLg struct {
	Standard *struct {
		Table []struct {
			Type struct {
				String string `json:"string"`
			} `json:"type"`
			Status struct {
				String string `json:"string"`
				Passed *bool  `json:"passed"`
			} `json:"status"`
			LifetimeHours uint64 `json:"lifetime_hours"`
		} `json:"table"`
	} `json:"standard"`
}

// smartctl exit status bits (smartctl.h).
const (
	exitCommandLine = 1 << 0
	exitOpenFailed  = 1 << 1
)

// ParseSmartctl normalizes one `smartctl --json --xall` document. It
// parses the JSON even when smartctl exited non-zero (bits 2-7 describe
// the disk, not a failure to read it); it fails when the document is not
// JSON, carries no device, or smartctl could not open the device.
func ParseSmartctl(b []byte) (Disk, error) {
	var j smartctlJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return Disk{}, fmt.Errorf("%w: smartctl output is not JSON: %w", ErrParse, err)
	}
	if j.Smartctl.ExitStatus&(exitCommandLine|exitOpenFailed) != 0 && j.Device.Protocol == "" {
		msg := "smartctl could not read the device"
		for _, m := range j.Smartctl.Messages {
			msg += ": " + m.String
			if strings.Contains(m.String, "Permission denied") || strings.Contains(m.String, "Error=5") || strings.Contains(m.String, "Operation not permitted") {
				return Disk{}, fmt.Errorf("%w (%s)", ErrPermission, m.String)
			}
		}
		if strings.Contains(strings.ToUpper(j.PowerMode), "STANDBY") || strings.Contains(msg, "STANDBY") {
			return Disk{Name: j.Device.Name, Standby: true}, ErrStandby
		}
		if noSMART(msg) {
			return Disk{Name: j.Device.Name}, fmt.Errorf("%w (%s)", ErrUnsupported, strings.TrimPrefix(msg, "smartctl could not read the device: "))
		}
		return Disk{}, fmt.Errorf("%w: %s (exit status %d)", ErrParse, msg, j.Smartctl.ExitStatus)
	}
	if j.Device.Protocol == "" {
		return Disk{}, fmt.Errorf("%w: no device in smartctl output (a --scan or --info document?)", ErrParse)
	}
	if !smartAvailable(j.SmartSupport) && j.ATAAttributes == nil && j.NVMeLog == nil {
		return Disk{Name: j.Device.Name, Protocol: j.Device.Protocol, Model: firstOf(j.ModelName, j.ScsiModel, j.ScsiProduct), Serial: j.SerialNumber},
			fmt.Errorf("%w: the device says SMART is unavailable", ErrUnsupported)
	}
	d := Disk{
		Name:        j.Device.Name,
		Protocol:    j.Device.Protocol,
		Model:       firstOf(j.ModelName, j.ScsiModel, j.ScsiProduct),
		Serial:      j.SerialNumber,
		Firmware:    firstOf(j.Firmware, j.ScsiRevision),
		Capacity:    j.UserCapacity.Bytes,
		RotationRPM: -1,
		Source:      "smartctl",
	}
	if d.Capacity == 0 {
		d.Capacity = j.NVMeTotalCapacity
	}
	if j.RotationRate != nil {
		d.RotationRPM = *j.RotationRate
	}
	if d.Protocol == NVMe {
		d.RotationRPM = 0
	}
	if j.PowerOnTime != nil {
		h := j.PowerOnTime.Hours
		d.PowerOnHours = &h
	}
	d.PowerCycles = j.PowerCycleCount
	if j.Temperature != nil {
		d.Temperature = j.Temperature.Current
	}
	if j.ATAAttributes != nil {
		for _, a := range j.ATAAttributes.Table {
			if !smartattr.IsTracked(a.ID) && !(a.Flags.Prefailure && a.Thresh > 0 && a.Value <= a.Thresh) {
				continue
			}
			d.Attrs = append(d.Attrs, Attr{
				ID: a.ID, Name: a.Name, Value: a.Value, Worst: a.Worst, Thresh: a.Thresh,
				Raw: a.Raw.Value, Count: countFromString(a.ID, a.Raw.Value, a.Raw.String),
				Prefail: a.Flags.Prefailure, WhenFailed: a.WhenFailed,
			})
		}
	}
	if n := j.NVMeLog; n != nil {
		d.NVMe = &NVMeHealth{
			CriticalWarning: n.CriticalWarning, AvailableSpare: n.AvailableSpare, SpareThreshold: n.SpareThreshold,
			PercentUsed: n.PercentageUsed, MediaErrors: n.MediaErrors, UnsafeShutdowns: n.UnsafeShutdowns,
			DataUnitsRead: n.DataUnitsRead, DataUnitsWritten: n.DataUnitsWritten, ErrorLogEntries: n.NumErrLogEntries,
		}
	}
	d.GrownDefects = j.ScsiGrownDefects
	if l := j.SelfTestLog; l != nil && l.Standard != nil && len(l.Standard.Table) > 0 {
		e := l.Standard.Table[0] // smartctl lists the most recent first
		d.SelfTest = &SelfTest{Type: e.Type.String, Status: e.Status.String, Hours: e.LifetimeHours, Passed: e.Status.Passed == nil || *e.Status.Passed}
	}
	var verdict *bool
	if j.SmartStatus != nil {
		verdict = j.SmartStatus.Passed
	}
	d.deriveHealth(verdict)
	return d, nil
}

// smartAvailable reads smart_support; absent or unreadable counts as
// available (the attributes decide).
func smartAvailable(raw json.RawMessage) bool {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b
	}
	var o struct {
		Available *bool `json:"available"`
	}
	if json.Unmarshal(raw, &o) == nil && o.Available != nil {
		return *o.Available
	}
	return true
}

// noSMART reports smartctl's words for a device without SMART (virtio
// disks, USB bridges it does not know).
func noSMART(msg string) bool {
	for _, s := range []string{"Unable to detect device type", "Unknown USB bridge", "SMART support is: Unavailable", "does not support SMART", "Device not supported"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// countFromString prefers smartctl's decoded string (it knows each
// model's raw format from its drive database); its leading integer is the
// count. Packed values ("2 2 2" for Seagate 188) fall back to decodeCount.
func countFromString(id uint8, raw uint64, s string) uint64 {
	f := strings.Fields(s)
	if len(f) == 1 {
		lead := f[0]
		if i := strings.IndexAny(lead, "h("); i > 0 { // "37054h+12m+58.233s"
			lead = lead[:i]
		}
		if n, err := strconv.ParseUint(lead, 10, 64); err == nil {
			return n
		}
	}
	if len(f) > 1 && strings.HasPrefix(f[1], "(") {
		if n, err := strconv.ParseUint(f[0], 10, 64); err == nil { // "24 (Min/Max 16/31)"
			return n
		}
	}
	return decodeCount(id, raw)
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
