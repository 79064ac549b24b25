// Package topic is the one place where MQTT topic strings are built and
// where device and entity ids are sanitized. Every other package asks a
// Scheme for its topics.
package topic

import (
	"errors"
	"fmt"
	"strings"
)

// Defaults for the two topic roots.
const (
	DefaultBase            = "homefleet"
	DefaultDiscoveryPrefix = "homeassistant"
)

// Availability payloads on a status topic: Online is the birth message,
// Offline the will and the clean goodbye.
const (
	Online  = "online"
	Offline = "offline"
)

// HubID is the hub's own device id; no agent may use it.
const HubID = "hub"

// Reserved reports an id no agent may take: its topics belong to the hub
// (or to the test markers of the tree).
func Reserved(id string) bool { return id == HubID || id == "homefleet-test" }

// Scheme builds topics under a base (homefleet) and an HA discovery prefix.
type Scheme struct {
	Base            string
	DiscoveryPrefix string
}

// Default returns the scheme with the documented roots.
func Default() Scheme {
	return Scheme{Base: DefaultBase, DiscoveryPrefix: DefaultDiscoveryPrefix}
}

func (s Scheme) dev(device string, rest ...string) string {
	parts := append([]string{s.Base, ID(device)}, rest...)
	return strings.Join(parts, "/")
}

// Status is the retained availability topic (online | offline, LWT).
func (s Scheme) Status(device string) string { return s.dev(device, "status") }

// State is the retained JSON document of all host readings.
func (s Scheme) State(device string) string { return s.dev(device, "state") }

// Disk is the JSON document of one disk.
func (s Scheme) Disk(device, disk string) string { return s.dev(device, "disk", ID(disk)) }

// Evacuation is the progress and result of copying a disk's data off it.
func (s Scheme) Evacuation(device, disk string) string { return s.dev(device, "evacuation", ID(disk)) }

// Evacuations is the filter of every evacuation document of a device.
func (s Scheme) Evacuations(device string) string { return s.dev(device, "evacuation", "+") }

// Evacuate is the command that copies a disk's data off it.
func (s Scheme) Evacuate(device, disk string) string {
	return s.dev(device, "cmd", "evacuate", ID(disk))
}

// Claim carries an agent's start-up marker: seeing it back proves the
// broker delivered the retained state of the device first.
func (s Scheme) Claim(device string) string { return s.dev(device, "claim") }

// Net is the retained network identity of a device.
func (s Scheme) Net(device string) string { return s.dev(device, "net") }

// Event carries command results and notable events (never retained).
func (s Scheme) Event(device string) string { return s.dev(device, "event") }

// Command is the topic of one command verb.
func (s Scheme) Command(device, verb string) string { return s.dev(device, "cmd", ID(verb)) }

// RunJob is the command that starts a job defined in the agent's config.
func (s Scheme) RunJob(device, job string) string { return s.dev(device, "cmd", "run", ID(job)) }

// Commands is the subscription filter for every command of a device.
func (s Scheme) Commands(device string) string { return s.dev(device, "cmd", "#") }

// AllStatus is the subscription filter for every device's availability.
func (s Scheme) AllStatus() string { return s.Base + "/+/status" }

// AllDisks is the hub's subscription filter for every disk document.
func (s Scheme) AllDisks() string { return s.Base + "/+/disk/+" }

// ParseDisk returns device and disk of a topic built by Disk.
func (s Scheme) ParseDisk(t string) (device, disk string, ok bool) {
	rest, found := strings.CutPrefix(t, s.Base+"/")
	if !found {
		return "", "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[1] != "disk" || parts[0] == "" || parts[2] == "" {
		return "", "", false
	}
	return parts[0], parts[2], true
}

// HubDisk is the hub's prediction document of one disk.
func (s Scheme) HubDisk(device, disk string) string {
	return s.dev(HubID, "disk", ID(device), ID(disk))
}

// HubDiskTrigger carries the disk's HA device-trigger payloads.
func (s Scheme) HubDiskTrigger(device, disk string) string {
	return s.HubDisk(device, disk) + "/trigger"
}

// AllEvents is the hub's subscription filter for every device's events.
func (s Scheme) AllEvents() string { return s.Base + "/+/event" }

// AllStates is the hub's subscription filter for every state document.
func (s Scheme) AllStates() string { return s.Base + "/+/state" }

// AllNet is the hub's subscription filter for every network identity.
func (s Scheme) AllNet() string { return s.Base + "/+/net" }

// Disks is the filter of every disk document of a device.
func (s Scheme) Disks(device string) string { return s.dev(device, "disk", "+") }

// Probes is the filter of every probe result of a device.
func (s Scheme) Probes(device string) string { return s.dev(device, "probe", "+") }

// Everything is the filter of every topic under the base.
func (s Scheme) Everything() string { return s.Base + "/#" }

// EverythingHA is the filter of every topic under the discovery prefix.
func (s Scheme) EverythingHA() string { return s.DiscoveryPrefix + "/#" }

// EveryCommand is the filter for every command of every device.
func (s Scheme) EveryCommand() string { return s.Base + "/+/cmd/#" }

// AllCommands is the filter for one verb sent to any device.
func (s Scheme) AllCommands(verb string) string { return s.Base + "/+/cmd/" + ID(verb) }

// ParseDevice returns the device level of any topic under the base.
func (s Scheme) ParseDevice(t string) (string, bool) {
	rest, found := strings.CutPrefix(t, s.Base+"/")
	if !found {
		return "", false
	}
	device, _, found := strings.Cut(rest, "/")
	return device, found && device != ""
}

// HubWake is the hub's wake result document of a device.
func (s Scheme) HubWake(device string) string { return s.dev(HubID, "wake", ID(device)) }

// HubWakeTrigger carries a device's woke / wake_failed HA device triggers.
func (s Scheme) HubWakeTrigger(device string) string { return s.HubWake(device) + "/trigger" }

// HubSchedule is the state document of a power schedule.
func (s Scheme) HubSchedule(name string) string { return s.dev(HubID, "schedule", ID(name)) }

// HubScheduleTrigger carries a schedule's backup_finished / backup_failed triggers.
func (s Scheme) HubScheduleTrigger(name string) string { return s.HubSchedule(name) + "/trigger" }

// HubPublicIP is the retained public address document.
func (s Scheme) HubPublicIP() string { return s.dev(HubID, "publicip") }

// HubPublicIPTrigger carries the ip_changed and ddns_update_failed device
// triggers (a JSON payload with the details).
func (s Scheme) HubPublicIPTrigger() string { return s.HubPublicIP() + "/trigger" }

// HubDDNS is the retained state of one DDNS record (name and type).
func (s Scheme) HubDDNS(record string) string { return s.dev(HubID, "ddns", ID(record)) }

// HubLeader is the retained election document (failover between hubs).
func (s Scheme) HubLeader() string { return s.dev(HubID, "leader") }

// HubMemberStatus is the availability (will) of one hub among those that
// fail over; the leader also says online on Status(HubID).
func (s Scheme) HubMemberStatus(member string) string {
	return s.dev(HubID, "member", ID(member), "status")
}

// Probe is the retained result of one service probe run by device.
func (s Scheme) Probe(device, name string) string { return s.dev(device, "probe", ID(name)) }

// Discovery is the device-based HA discovery topic of a device.
func (s Scheme) Discovery(device string) string {
	return s.DiscoveryPrefix + "/device/" + ID(device) + "/config"
}

// NodeDiscovery is the discovery topic of another node a device publishes
// (a disk, a probe; the hub's wake, schedule and prediction nodes): HA's
// <prefix>/device/<node_id>/<object_id>/config with the owner as node_id,
// so a broker ACL can grant each client its own homeassistant/device/<id>/#.
func (s Scheme) NodeDiscovery(owner, node string) string {
	return s.DiscoveryPrefix + "/device/" + ID(owner) + "/" + ID(node) + "/config"
}

// OwnDiscovery is the filter of every discovery topic owner publishes.
func (s Scheme) OwnDiscovery(owner string) string {
	return s.DiscoveryPrefix + "/device/" + ID(owner) + "/#"
}

// AllDiscovery is the filter of every device-based discovery topic.
func (s Scheme) AllDiscovery() string { return s.DiscoveryPrefix + "/device/#" }

// ParseDiscovery returns the owner and, for a nested node, the node of a
// device-based discovery topic.
func (s Scheme) ParseDiscovery(t string) (owner, node string, ok bool) {
	rest, found := strings.CutPrefix(t, s.DiscoveryPrefix+"/device/")
	if !found {
		return "", "", false
	}
	rest, found = strings.CutSuffix(rest, "/config")
	if !found {
		return "", "", false
	}
	parts := strings.Split(rest, "/")
	switch {
	case len(parts) == 1 && parts[0] != "":
		return parts[0], "", true
	case len(parts) == 2 && parts[0] != "" && parts[1] != "":
		return parts[0], parts[1], true
	}
	return "", "", false
}

// HAStatus is HA's birth/will topic.
func (s Scheme) HAStatus() string { return s.DiscoveryPrefix + "/status" }

// ParseStatus returns the device of a status topic built by Status.
func (s Scheme) ParseStatus(t string) (device string, ok bool) {
	rest, found := strings.CutPrefix(t, s.Base+"/")
	if !found {
		return "", false
	}
	device, suffix, found := strings.Cut(rest, "/")
	if !found || suffix != "status" || device == "" {
		return "", false
	}
	return device, true
}

// ParseAnyCommand returns the device and verb of any command topic.
func (s Scheme) ParseAnyCommand(t string) (device, verb string, ok bool) {
	device, ok = s.ParseDevice(t)
	if !ok {
		return "", "", false
	}
	verb, ok = s.ParseCommand(device, t)
	return device, verb, ok
}

// ParseCommand returns the verb of a command topic of device, built by Command.
func (s Scheme) ParseCommand(device, t string) (verb string, ok bool) {
	verb, ok = strings.CutPrefix(t, s.dev(device, "cmd")+"/")
	if !ok || verb == "" {
		return "", false
	}
	return verb, true
}

// ID sanitizes a name into an id of [a-z0-9_-]: lower case, every other
// rune becomes '_', runs of '_' collapse, leading/trailing '_' are trimmed.
// An empty result becomes "unknown". The result is safe as an MQTT topic
// level (no '+', '#', '/') and as an HA node_id/object_id.
func ID(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	lastUnderscore := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
			lastUnderscore = false
		default:
			if !lastUnderscore {
				b.WriteByte('_')
				lastUnderscore = true
			}
		}
	}
	id := strings.Trim(b.String(), "_")
	if id == "" {
		return "unknown"
	}
	return id
}

// Key is like ID but also usable as a Jinja attribute name in an HA
// value_template (value_json.<key>): only [a-z0-9_], starting with a letter.
func Key(name string) string {
	id := strings.Trim(strings.ReplaceAll(ID(name), "-", "_"), "_")
	if id == "" {
		return "unknown"
	}
	if id[0] < 'a' || id[0] > 'z' {
		id = "x" + id
	}
	return id
}

// Discovery node ids. A component published about a device by someone
// else (the hub's Wake button on a NAS, a disk's prediction) has its own
// discovery node, named here and nowhere else; the node id also prefixes
// the unique ids of its entities.

// DiskNode is the node of one disk of a host (the agent publishes it).
func DiskNode(host, disk string) string { return ID(host) + "_" + ID(disk) }

// PredictionNode is the hub's prediction node of a disk.
func PredictionNode(host, disk string) string { return DiskNode(host, disk) + "_prediction" }

// WakeNode is the hub's wake node of a device.
func WakeNode(device string) string { return ID(device) + "_wake" }

// ScheduleNode is the hub's node of one power schedule of a device.
func ScheduleNode(device, schedule string) string { return ID(device) + "_schedule_" + ID(schedule) }

// ProbeNode is the node of one service probe run by device.
func ProbeNode(device, probe string) string { return ID(device) + "_probe_" + ID(probe) }

// LeaderNode is the hub's node of the election.
func LeaderNode() string { return HubID + "_leader" }

// InternetNode is the hub's node of the public address and DDNS records.
func InternetNode() string { return HubID + "_internet" }

// ErrAvailability is a status payload that is neither online nor offline.
var ErrAvailability = errors.New("status is not online or offline")

// ParseAvailability reads a status message of a device other than the
// hub: ok is false for other topics and the hub's own status.
func (s Scheme) ParseAvailability(t string, payload []byte) (device string, online, ok bool, err error) {
	device, ok = s.ParseStatus(t)
	if !ok || device == HubID {
		return "", false, false, nil
	}
	switch string(payload) {
	case Online:
		return device, true, true, nil
	case Offline:
		return device, false, true, nil
	}
	return device, false, false, fmt.Errorf("%w: %s says %.40q", ErrAvailability, device, payload)
}
