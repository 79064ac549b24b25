// Package config loads, defaults, validates and prints the agent and hub
// configuration: a YAML file, then HOMEFLEET_* environment overrides, then
// secrets from *_file paths.
package config

import (
	"fmt"
	"time"

	"github.com/homefleet/homefleet/internal/topic"
)

// Agent is the configuration of `homefleet agent`.
type Agent struct {
	Device   Device         `yaml:"device"`
	MQTT     MQTT           `yaml:"mqtt"`
	Collect  Collect        `yaml:"collect"`
	Power    Power          `yaml:"power"`
	Idle     Idle           `yaml:"idle"`
	Jobs     map[string]Job `yaml:"jobs"`   // run over MQTT by name only (cmd/run/<name>)
	Probes   []Probe        `yaml:"probes"` // service checks run from this machine
	Evacuate Evacuate       `yaml:"evacuate"`
	Log      Log            `yaml:"log"`
}

// Job is a program the hub may start by name (a backup). The command is
// fixed here; nothing from MQTT reaches its arguments.
type Job struct {
	Command []string      `yaml:"command"` // program and arguments, no shell
	Timeout time.Duration `yaml:"timeout"` // default 4h
}

// Idle configures the activity checks behind the Idle sensor. Logged-in
// users, HA's keep-awake switch and the throughput limits always count;
// the rest are opt-in.
type Idle struct {
	Interval  time.Duration `yaml:"interval"`     // how often the checks run
	SMB       bool          `yaml:"smb"`          // SMB sessions (Samba's smbstatus --json; Windows: Get-SmbSession)
	NFS       bool          `yaml:"nfs"`          // NFSv4 clients of the kernel NFS server
	SMBConf   string        `yaml:"smb_conf"`     // smbstatus -s FILE
	LoadMax   float64       `yaml:"load_max"`     // 5-min load above this is activity (0: off)
	Ports     []uint32      `yaml:"ports"`        // established TCP connections to these local ports
	Processes []string      `yaml:"processes"`    // these running processes
	DiskBps   uint64        `yaml:"max_disk_bps"` // disk throughput above this is activity (0: 1 MiB/s)
	NetBps    uint64        `yaml:"max_net_bps"`  // network throughput above this is activity (0: 256 KiB/s)
}

// Power lists the power verbs this machine accepts over MQTT; none by
// default, because a retained or mistaken "shutdown" must not stop a NAS.
type Power struct {
	Allow []string `yaml:"allow"` // sleep, hibernate, shutdown, reboot
}

// Device names this host. The id defaults to a stable id derived from the
// machine-id, so renaming the host never duplicates its HA entities.
type Device struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"` // HA device name; default: hostname
	// TakeOver lets this machine use an id whose retained documents
	// another machine published (a replaced or reinstalled machine).
	TakeOver bool `yaml:"take_over"`
}

// Collect sets what the host collector reads and how often.
type Collect struct {
	Interval       time.Duration `yaml:"interval"`                   // collection period
	Heartbeat      time.Duration `yaml:"heartbeat"`                  // publish at least this often
	Interfaces     []string      `yaml:"interfaces"`                 // always include these interfaces
	IncludeVirtual bool          `yaml:"include_virtual_interfaces"` // include bridges, veth, tun...
	ExcludeMounts  []string      `yaml:"exclude_mounts"`             // mount points to leave out
	SMARTInterval  time.Duration `yaml:"smart_interval"`             // disk SMART reads (cmd/refresh forces one)
	SkipSMART      bool          `yaml:"skip_smart"`                 // do not read disks at all
}

// SetDefaults fills every unset field.
func (a *Agent) SetDefaults() {
	a.MQTT.setDefaults()
	a.Log.setDefaults()
	if a.Collect.Interval == 0 {
		a.Collect.Interval = 10 * time.Second
	}
	if a.Collect.Heartbeat == 0 {
		a.Collect.Heartbeat = 60 * time.Second
	}
	if a.Collect.SMARTInterval == 0 {
		a.Collect.SMARTInterval = 30 * time.Minute
	}
	for name, j := range a.Jobs {
		if j.Timeout == 0 {
			j.Timeout = 4 * time.Hour
			a.Jobs[name] = j
		}
	}
	if a.Idle.Interval == 0 {
		a.Idle.Interval = time.Minute
	}
	if a.Idle.DiskBps == 0 {
		a.Idle.DiskBps = 1 << 20
	}
	if a.Idle.NetBps == 0 {
		a.Idle.NetBps = 256 << 10
	}
	for i := range a.Probes {
		a.Probes[i].setDefaults()
	}
	a.Evacuate.setDefaults()
}

// Validate reports every bad field at once.
func (a Agent) Validate() error {
	v := &validator{}
	a.MQTT.validate(v, true)
	a.Log.validate(v)
	if a.Device.ID != "" {
		v.id("device.id", a.Device.ID)
		if topic.Reserved(a.Device.ID) {
			v.add("device.id", a.Device.ID, "reserved: the hub's topics and HA device use it; choose another")
		}
	}
	if a.Collect.Interval < time.Second {
		v.add("collect.interval", a.Collect.Interval.String(), "must be at least 1s")
	}
	if a.Collect.Heartbeat < a.Collect.Interval {
		v.add("collect.heartbeat", a.Collect.Heartbeat.String(), "must be at least collect.interval ("+a.Collect.Interval.String()+")")
	}
	for name, j := range a.Jobs {
		v.id("jobs."+name, name)
		if len(j.Command) == 0 || j.Command[0] == "" {
			v.add("jobs."+name+".command", "", "required: the program and its arguments")
		}
	}
	for i, verb := range a.Power.Allow {
		v.oneOf(fmt.Sprintf("power.allow[%d]", i), verb, "sleep", "hibernate", "shutdown", "reboot")
	}
	validateProbes(v, a.Probes)
	a.Evacuate.validate(v)
	if a.Collect.SMARTInterval < time.Minute {
		v.add("collect.smart_interval", a.Collect.SMARTInterval.String(), "must be at least 1m")
	}
	return v.err()
}

// String is the YAML form with secrets redacted.
func (a Agent) String() string { return redactedYAML(a) }
