package wire

// DiskVersion is the version of the Disk document.
const DiskVersion = 1

// Disk statuses.
const (
	DiskOK          = "ok"
	DiskStandby     = "standby"     // skipped so as not to spin it up; values are the last read
	DiskUnsupported = "unsupported" // the disk has no SMART (virtio, some USB bridges); see Error
	DiskError       = "error"       // SMART could not be read (permission, I/O error); see Error
)

// DiskStatuses are every status, the options of HA's SMART status sensor.
var DiskStatuses = []string{DiskOK, DiskStandby, DiskUnsupported, DiskError} //nolint:gochecknoglobals // fixed list

// Disk is one disk's SMART document on homefleet/<device>/disk/<disk>.
type Disk struct {
	V            int                 `json:"v"`
	TS           int64               `json:"ts"`
	Status       string              `json:"status"`
	Error        string              `json:"error,omitempty"`
	Name         string              `json:"name"`
	Protocol     string              `json:"protocol,omitempty"`
	Model        string              `json:"model,omitempty"`
	Serial       string              `json:"serial,omitempty"`
	Firmware     string              `json:"firmware,omitempty"`
	Capacity     uint64              `json:"capacity,omitempty"`
	RotationRPM  int                 `json:"rotation_rpm"`
	Source       string              `json:"source,omitempty"`
	Health       DiskHealth          `json:"health"`
	Temperature  *float64            `json:"temp"`
	PowerOnHours *uint64             `json:"power_on_hours"`
	PowerCycles  *uint64             `json:"power_cycles"`
	Attrs        map[string]DiskAttr `json:"attrs,omitempty"` // key: "a5", "a197"...
	Counts       DiskCounts          `json:"counts"`
	NVMe         *NVMe               `json:"nvme,omitempty"`
	GrownDefects *uint64             `json:"grown_defects,omitempty"`
	SelfTest     *SelfTest           `json:"self_test,omitempty"`
	// Where the disk's data lives: mount points of its filesystems and
	// the SMB shares on them (what an evacuation copies).
	Mounts []string `json:"mounts,omitempty"`
	Shares []string `json:"shares,omitempty"`
}

// DiskHealth is the drive's own verdict.
type DiskHealth struct {
	Passed  bool     `json:"passed"`
	Known   bool     `json:"known"`
	Reasons []string `json:"reasons"`
}

// DiskCounts are the counts HA shows as sensors; null when not reported.
type DiskCounts struct {
	Reallocated   *uint64 `json:"reallocated"`
	Pending       *uint64 `json:"pending"`
	Uncorrectable *uint64 `json:"uncorrectable"`
	ReportedUncor *uint64 `json:"reported_uncorrectable"`
}

// DiskAttr is one ATA attribute.
type DiskAttr struct {
	ID         int    `json:"id"`
	Name       string `json:"name"`
	Value      int    `json:"value"`
	Worst      int    `json:"worst"`
	Thresh     int    `json:"thresh"`
	Raw        uint64 `json:"raw"`
	Count      uint64 `json:"count"`
	Prefail    bool   `json:"prefail,omitempty"`
	WhenFailed string `json:"when_failed,omitempty"`
}

// NVMe is the NVMe health log.
type NVMe struct {
	CriticalWarning  uint8  `json:"critical_warning"`
	AvailableSpare   int    `json:"available_spare"`
	SpareThreshold   int    `json:"spare_threshold"`
	PercentUsed      int    `json:"percentage_used"`
	MediaErrors      uint64 `json:"media_errors"`
	UnsafeShutdowns  uint64 `json:"unsafe_shutdowns"`
	DataUnitsRead    uint64 `json:"data_units_read"`
	DataUnitsWritten uint64 `json:"data_units_written"`
	ErrorLogEntries  uint64 `json:"error_log_entries"`
}

// SelfTest is the latest self-test.
type SelfTest struct {
	Type   string `json:"type"`
	Passed bool   `json:"passed"`
	Status string `json:"status"`
	Hours  uint64 `json:"hours"`
}

// DecodeDisk parses a Disk document and checks its version.
func DecodeDisk(b []byte) (Disk, error) {
	var d Disk
	err := decode(b, &d, &d.V, DiskVersion, "disk")
	return d, err
}
