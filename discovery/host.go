package discovery

import (
	"fmt"
	"slices"
	"strings"

	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// Origin metadata of every homefleet discovery message.
const (
	OriginName = "homefleet"
	OriginURL  = "https://github.com/homefleet/homefleet"
)

// Host identifies the device a host payload describes.
type Host struct {
	ID      string   // stable device id, [a-z0-9_-]
	Name    string   // HA device name (hostname)
	Model   string   // e.g. "Debian 12 (linux/amd64)"
	Version string   // agent version
	Power   []string // power verbs offered as buttons (allowed and offered by the OS)
	Idle    bool     // the agent decides idle (Idle, Idle for, Keep awake)
	Jobs    []string // jobs of the agent's config: a Run button, a running sensor and finished/failed triggers each
	// Evacuate: the agent can copy a disk's data off it (evacuate in its
	// config): each disk gets an Evacuate data button and progress sensors.
	Evacuate bool
}

// EntityPrefix is the object-id prefix of default_entity_id: the host
// name as a key, so entity ids read sensor.nas_cpu.
func (h Host) EntityPrefix() string { return topic.Key(h.Name) }

// Identifier is the HA device identifier of the host. Hub-published
// entities that belong to this host use it too.
func (h Host) Identifier() string { return "homefleet_" + h.ID }

func (h Host) device() Device {
	return Device{
		Identifiers:  []string{h.Identifier()},
		Name:         h.Name,
		Manufacturer: "homefleet",
		Model:        h.Model,
		SWVersion:    h.Version,
	}
}

type builder struct {
	h    Host
	cmps map[string]Entity
}

func precision(n int) *int { return &n }

// add registers a state-topic entity reading key path (value_json.<path>).
func (b *builder) add(key string, e Entity, path string) {
	if e.Platform == "" {
		e.Platform = Sensor
	}
	e.UniqueID = b.h.ID + "_" + key
	e.DefaultEntityID = string(e.Platform) + "." + b.h.EntityPrefix() + "_" + key
	if e.ValueTemplate == "" && path != "" {
		// An absent reading renders None, which HA shows as unknown
		// (rates before the second reading, a disk's missing count).
		e.ValueTemplate = "{{ value_json." + path + " | default(None) }}"
	}
	b.cmps[key] = e
}

func gib(path string) string {
	return "{{ (value_json." + path + " / 1073741824) | round(2) }}"
}

// HostPayload builds the device discovery of a host from its latest state:
// one entity per reading present in s, so a removed mount or interface
// disappears from the device.
func HostPayload(h Host, s wire.State, sc topic.Scheme) Payload {
	b := &builder{h: h, cmps: map[string]Entity{}}
	b.add("cpu", Entity{Name: "CPU", Unit: Percent, StateClass: Measurement, Precision: precision(1), Icon: "mdi:cpu-64-bit"}, "cpu")
	for _, l := range []struct{ key, name string }{{"load1", "Load (1 min)"}, {"load5", "Load (5 min)"}, {"load15", "Load (15 min)"}} {
		b.add(l.key, Entity{Name: l.name, StateClass: Measurement, Precision: precision(2), Icon: "mdi:gauge"}, l.key)
	}
	b.add("mem_pct", Entity{Name: "Memory used", Unit: Percent, StateClass: Measurement, Precision: precision(1), Icon: "mdi:memory"}, "mem_pct")
	b.add("mem_used", Entity{Name: "Memory used size", DeviceClass: DataSize, Unit: GiB, StateClass: Measurement, Precision: precision(2), ValueTemplate: gib("mem_used")}, "mem_used")
	b.add("mem_avail", Entity{Name: "Memory available", DeviceClass: DataSize, Unit: GiB, StateClass: Measurement, Precision: precision(2), ValueTemplate: gib("mem_avail")}, "mem_avail")
	b.add("swap_pct", Entity{Name: "Swap used", Unit: Percent, StateClass: Measurement, Precision: precision(1), Icon: "mdi:harddisk"}, "swap_pct")
	b.add("uptime", Entity{Name: "Uptime", DeviceClass: Duration, Unit: Hours, Precision: precision(1), Category: Diagnostic,
		ValueTemplate: "{{ (value_json.uptime / 3600) | round(2) }}"}, "uptime")
	b.add("boot", Entity{Name: "Last boot", DeviceClass: Timestamp, Category: Diagnostic}, "boot")
	b.add("procs", Entity{Name: "Processes", StateClass: Measurement, Icon: "mdi:format-list-numbered"}, "procs")

	for _, k := range sortedKeys(s.FS) {
		fs := s.FS[k]
		label := "Disk " + fs.Path
		b.add("fs_"+k+"_pct", Entity{Name: label + " used", Unit: Percent, StateClass: Measurement, Precision: precision(1), Icon: "mdi:harddisk"}, "fs."+k+".pct")
		b.add("fs_"+k+"_free", Entity{Name: label + " free", DeviceClass: DataSize, Unit: GiB, StateClass: Measurement, Precision: precision(1), ValueTemplate: gib("fs." + k + ".free")}, "fs."+k+".free")
	}
	for _, k := range sortedKeys(s.IO) {
		b.add("io_"+k+"_r", Entity{Name: k + " read", DeviceClass: DataRate, Unit: BytesPerSec, StateClass: Measurement, Precision: precision(0)}, "io."+k+".r")
		b.add("io_"+k+"_w", Entity{Name: k + " write", DeviceClass: DataRate, Unit: BytesPerSec, StateClass: Measurement, Precision: precision(0)}, "io."+k+".w")
		b.add("io_"+k+"_lat", Entity{Name: k + " latency", DeviceClass: Duration, Unit: Millis, StateClass: Measurement, Precision: precision(1)}, "io."+k+".lat")
	}
	for _, k := range sortedKeys(s.Net) {
		b.add("net_"+k+"_rx", Entity{Name: k + " received", DeviceClass: DataRate, Unit: BytesPerSec, StateClass: Measurement, Precision: precision(0)}, "net."+k+".rx")
		b.add("net_"+k+"_tx", Entity{Name: k + " sent", DeviceClass: DataRate, Unit: BytesPerSec, StateClass: Measurement, Precision: precision(0)}, "net."+k+".tx")
	}
	for _, k := range sortedKeys(s.Temp) {
		b.add("temp_"+k, Entity{Name: "Temperature " + strings.ReplaceAll(k, "_", " "), DeviceClass: Temperature, Unit: Celsius, StateClass: Measurement, Precision: precision(1)}, "temp."+k)
	}
	for _, f := range []struct{ key, name, icon string }{
		{"os", "Operating system", "mdi:linux"}, {"kernel", "Kernel", "mdi:chip"},
		{"arch", "Architecture", "mdi:cpu-64-bit"}, {"agent", "Agent version", "mdi:tag"},
	} {
		b.add("facts_"+f.key, Entity{Name: f.name, Category: Diagnostic, Icon: f.icon}, "facts."+f.key)
	}
	b.add("facts_ips", Entity{Name: "IP addresses", Category: Diagnostic, Icon: "mdi:ip-network",
		ValueTemplate: "{{ (value_json.facts.ips or []) | join(', ') }}"}, "facts.ips")
	b.add("refresh", Entity{Platform: Button, Name: "Refresh", Category: Diagnostic, Icon: "mdi:refresh",
		CommandTopic: sc.Command(h.ID, "refresh"), PayloadPress: "PRESS"}, "")

	if h.Idle { // the verdict is absent until the first rates exist: unknown
		b.add("idle", Entity{Platform: BinarySensor, Name: "Idle", Icon: "mdi:sleep",
			ValueTemplate: "{{ (('ON' if value_json.idle.idle else 'OFF') if value_json.idle is defined else None) }}",
			JSONAttrTopic: sc.State(h.ID), JSONAttrTemplate: "{{ {'reasons': (value_json.idle.reasons if value_json.idle is defined else [])} | tojson }}"}, "idle.idle")
		b.add("idle_for", Entity{Name: "Idle for", DeviceClass: Duration, Unit: "min", StateClass: Measurement,
			ValueTemplate: "{{ (value_json.idle.for_min if value_json.idle is defined else None) }}"}, "idle.for_min")
		b.add("keep_awake", Entity{Platform: Switch, Name: "Keep awake", Icon: "mdi:coffee", CommandTopic: sc.Command(h.ID, "keep_awake"),
			PayloadOn: "ON", PayloadOff: "OFF", ValueTemplate: "{{ (('ON' if value_json.idle.keep_awake else 'OFF') if value_json.idle is defined else None) }}"}, "idle.keep_awake")
	}
	powerButtons := map[string]Entity{
		"sleep":     {Name: "Sleep", Icon: "mdi:sleep"},
		"hibernate": {Name: "Hibernate", Icon: "mdi:power-sleep"},
		"shutdown":  {Name: "Shut down", Icon: "mdi:power"},
		"reboot":    {Name: "Restart", DeviceClass: "restart"},
	}
	for _, verb := range h.Power {
		e, ok := powerButtons[verb]
		if !ok {
			continue
		}
		e.Platform, e.CommandTopic, e.PayloadPress = Button, sc.Command(h.ID, verb), "PRESS"
		b.add(verb, e, "")
	}
	for _, job := range h.Jobs {
		addJob(b, sc, h.ID, job)
	}
	return b.payload(h.device(), h.Version, sc.State(h.ID), sc.Status(h.ID))
}

// Job trigger types, fired from the agent's job events.
const (
	TriggerJobFinished = "job_finished"
	TriggerJobFailed   = "job_failed"
)

// addJob adds a job's entities: Run <job> (cmd/run/<job>), <job> running
// (from the state's running list) and the finished/failed device triggers
// (from the job's event on the device's event topic).
func addJob(b *builder, sc topic.Scheme, id, job string) {
	key := "job_" + topic.Key(job)
	b.add(key, Entity{Platform: Button, Name: "Run " + job, Icon: "mdi:play", CommandTopic: sc.RunJob(id, job), PayloadPress: "PRESS"}, "")
	b.add(key+"_running", Entity{Platform: BinarySensor, Name: job + " running", DeviceClass: "running",
		ValueTemplate: "{{ 'ON' if '" + job + "' in (value_json.running | default([])) else 'OFF' }}"}, "running")
	for _, tr := range []string{TriggerJobFinished, TriggerJobFailed} {
		b.cmps[key+"_"+strings.TrimPrefix(tr, "job_")] = Entity{Platform: Trigger, AutomationType: "trigger", Topic: sc.Event(id),
			ValueTemplate: "{{ (('job_finished' if value_json.ok else 'job_failed') if value_json.type == 'job' and value_json.verb == 'run/" + job + "' else 'other') }}",
			Type:          tr, Subtype: job, TriggerPayload: tr}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Model formats the device model from OS facts.
func Model(os, goos, arch string) string {
	if os == "" {
		return fmt.Sprintf("%s/%s", goos, arch)
	}
	return fmt.Sprintf("%s (%s/%s)", os, goos, arch)
}

// ref is a device block that only names the host's device, for
// components another publisher adds to it.
func (h Host) ref() Device { return Device{Identifiers: []string{h.Identifier()}} }
