package wire

import (
	"testing"

	"github.com/homefleet/homefleet/internal/golden"
)

func p[T any](v T) *T { return &v }

// Examples are one document of each kind with every optional field set:
// the golden documents HA's templates are rendered against (each optional
// field is then removed in turn by the discovery template test).
func examples() map[string]any {
	return map[string]any{
		"state.golden.json": State{V: StateVersion, TS: 1767323050, CPU: p(25.0), Load1: 0.52, Load5: 0.61, Load15: 0.7, MemPct: 37.5,
			MemUsed: 3 << 30, MemAvail: 5 << 30, SwapPct: 12.5, Uptime: 180010, Boot: "2025-12-31T01:04:00Z", Procs: 211,
			FS:      map[string]FS{"root": {Path: "/", Pct: 25, Used: 16 << 30, Free: 48 << 30}, "srv_data": {Path: "/srv/data", Pct: 75, Used: 6 << 40, Free: 2 << 40}},
			IO:      map[string]DiskIO{"sda": {Read: p[uint64](1 << 20), Write: p[uint64](200 << 10), Lat: p(4.0)}},
			Net:     map[string]NetIO{"eth0": {Rx: p[uint64](1250000), Tx: p[uint64](125000)}},
			Temp:    map[string]float64{"coretemp_package_id_0": 48.3},
			Facts:   Facts{OS: "Debian GNU/Linux 12", Kernel: "6.1.0-18-amd64", Arch: "amd64", Version: "1.0.0", IPs: []string{"192.168.1.10"}},
			Idle:    &Idle{Idle: true, ForMin: 42, Reasons: []string{}, KeepAwake: false},
			Allowed: Allowed{Power: []string{"sleep"}, Jobs: []string{"backup"}}, Running: []string{"backup"}},
		"event.golden.json": Event{V: 1, TS: 1767323050, Type: "job", Verb: "run/backup", ID: "9f2c", OK: false,
			Reason: "exit status 23: rsync error: some files could not be transferred", Count: 1, LatencyMS: 95000},
		"disk.golden.json": Disk{V: DiskVersion, TS: 1767323050, Status: DiskError, Error: "opening sdz: no permission to read SMART", Name: "sda", Protocol: "ATA",
			Model: "WDC WD40EFRX-68N32N0", Serial: "WD-WCC7K1234567", Firmware: "82.00A82", Capacity: 4000787030016, RotationRPM: 5400, Source: "smartctl",
			Health:      DiskHealth{Passed: false, Known: true, Reasons: []string{"attribute 5 Reallocated_Sector_Ct at or below its threshold"}},
			Temperature: p(31.0), PowerOnHours: p[uint64](37054), PowerCycles: p[uint64](71),
			Attrs:  map[string]DiskAttr{"a5": {ID: 5, Name: "Reallocated_Sector_Ct", Value: 1, Worst: 1, Thresh: 140, Raw: 1975, Count: 1975, Prefail: true, WhenFailed: "now"}},
			Counts: DiskCounts{Reallocated: p[uint64](1975), Pending: p[uint64](8), Uncorrectable: p[uint64](0), ReportedUncor: p[uint64](0)},
			NVMe: &NVMe{CriticalWarning: 0, AvailableSpare: 100, SpareThreshold: 10, PercentUsed: 3, MediaErrors: 0, UnsafeShutdowns: 12,
				DataUnitsRead: 1000, DataUnitsWritten: 2000, ErrorLogEntries: 1},
			GrownDefects: p[uint64](0), SelfTest: &SelfTest{Type: "Short offline", Passed: true, Status: "Completed without error", Hours: 37000},
			Mounts: []string{"/srv/media"}, Shares: []string{"Media"}},
		"evacuation.golden.json": Evacuation{V: EvacuationVersion, TS: 1767323050, State: EvacuationRunning, ID: "evac-wd-wcc7k1234567-1767320000",
			Mounts: []string{"/srv/media"}, Destination: "/mnt/backup/evac", Bytes: 120 << 30, Total: 800 << 30, Percent: 15, ETASeconds: 20520,
			Started: 1767322000, Finished: 1767329000, Reason: "destination /mnt/backup/evac has 10.0 GiB free"},
		"hubstate.golden.json": HubState{V: 1, Online: 1, Devices: map[string]string{"nas": "online", "pc": "offline"},
			StoreError: "history store: recording nas/wd-1: database or disk is full (13)"},
		"leader.golden.json": Leader{V: 1, TS: 1767323050, Leader: "hub-b", Lease: "694d9c4a6f0c2a11", Rev: 42, Since: "2026-06-02T03:00:00Z"},
		"noleader.golden.json": Leader{V: 1, TS: 1767323050,
			Reason: "no leader: hub-a stepped down when its etcd lease expired (etcd unreachable); schedules, wake, DDNS and predictions wait for a leader"},
		"wakeresult.golden.json": WakeResult{V: 1, TS: 1767323050, Result: WakeWoke, LatencyS: 41.5, FirstPacketMS: 0.2, Packets: 6},
		"prediction.golden.json": Prediction{V: 1, TS: 1767323050, State: "critical", P30: 0.12, P90: 0.3, Within48h: false,
			Reasons: []string{"likely to fail within 30 days (12 % estimated)", "reallocated sectors 0 → 48 in 6 days", "pending sectors 8, stable for 30 days"}, Model: "WDC WD40EFRX-68N32N0"},
		"schedule.golden.json": ScheduleState{V: 1, Enabled: true, NextRun: "2026-06-03T03:00:00+02:00", LastRun: "2026-06-02T03:00:00+02:00", LastResult: "finished in 1m35s"},
		"publicip.golden.json": PublicIP{V: 1, IPv4: "81.2.69.142", IPv6: "2a00:1450::10", PreviousIPv4: "81.2.69.1", PreviousIPv6: "2a00:1450::1",
			ChangedIPv4: "2026-06-02T03:00:00Z", ChangedIPv6: "2026-06-02T03:00:00Z", Disagree: true, Disagreement: "IPv4: a says 81.2.69.1",
			Sources: "IPv4: a, b", Excluded: "IPv4 c: address is not a public unicast address: 203.0.113.5 is in 203.0.113.0/24",
			NoQuorum: "IPv6: 1 agreeing of 2 needed; nothing written", CGNAT: true, CGNATReason: "the router's WAN address 100.72.1.5 is in 100.64.0.0/10", RouterWAN: "100.72.1.5", Checked: "2026-06-02T03:00:00Z"},
		"ddnsrecord.golden.json": DDNSRecord{V: 1, Name: "home.example.com", Type: "A", Addr: "81.2.69.142", InSync: true, LastError: "",
			LastUpdate: "2026-06-02T03:00:00Z", VerifiedAt: "2026-06-02T03:00:05Z", PropagationMS: 2, WriteMS: 1, Disabled: false,
			Note: "Update DDNS now: nothing sent, the record is disabled (badauth); fix its configuration to enable it"},
		"trigger.golden.json": Trigger{Event: "ddns_update_failed", Old: "81.2.69.1", New: "81.2.69.142", Family: "ipv4", Record: "home.example.com/A",
			Error: "TSIG key rejected", Device: "nas"},
		"probe.golden.json": Probe{V: 1, Up: true, LatencyMS: 3.4, Error: "", Detail: "SMB 3.0.2", Checked: "2026-06-02T03:00:00Z"},
	}
}

// TestDocumentGoldens keeps the documents of the MQTT contract, as HA's
// templates read them.
func TestDocumentGoldens(t *testing.T) {
	for name, doc := range examples() {
		golden.JSON(t, name, doc)
	}
}
