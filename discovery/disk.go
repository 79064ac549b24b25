package discovery

import (
	"strings"

	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// DiskIdentifier is the HA device identifier of a disk, unique in the
// fleet: its serial where it has one (so it stays the same device when
// it moves to another host or sdb becomes sdc), else scoped by the host
// (two hosts' serial-less vda are two devices). The hub's prediction
// entities use it too, so they land on the same HA device.
func DiskIdentifier(hostID, diskKey, serial string) string {
	if serial != "" {
		return "homefleet_disk_" + topic.ID(serial)
	}
	return "homefleet_disk_" + topic.DiskNode(hostID, diskKey)
}

func diskDevice(host Host, key string, d wire.Disk) Device {
	name := strings.TrimSpace(d.Model)
	if name == "" {
		name = "Disk " + d.Name
	}
	if host.Name != "" {
		name += " on " + host.Name
	}
	return Device{
		Identifiers: []string{DiskIdentifier(host.ID, key, d.Serial)}, Name: name,
		Manufacturer: d.Protocol, Model: d.Model, SerialNumber: d.Serial, SWVersion: d.Firmware,
		ViaDevice: host.Identifier(),
	}
}

// diskEntityName prefixes the disk's entity ids: its key where that is
// its serial, else the host's name too (sensor.disk_nas_vda_temp).
func diskEntityName(host Host, key string, d wire.Disk) string {
	if d.Serial != "" || host.Name == "" {
		return "disk " + key
	}
	return "disk " + host.Name + " " + key
}

// DiskPayload is the device discovery of one disk of host: its own HA
// device, attached to the host with via_device, entities only for what
// the disk reports. The SMART status stays available when SMART cannot
// be read (error, unsupported), with the reason as an attribute; the
// readings then go unavailable.
func DiskPayload(host Host, key, version string, d wire.Disk, sc topic.Scheme) Payload {
	hostID := host.ID
	h := Host{ID: topic.DiskNode(hostID, key), Name: diskEntityName(host, key, d)}
	b := &builder{h: h, cmps: map[string]Entity{}}
	b.add("temp", Entity{Name: "Temperature", DeviceClass: Temperature, Unit: Celsius, StateClass: Measurement, Precision: precision(0)}, "temp")
	b.add("power_on", Entity{Name: "Power-on time", DeviceClass: Duration, Unit: Hours, StateClass: TotalIncreasing, Icon: "mdi:timer-outline"}, "power_on_hours")
	b.add("power_cycles", Entity{Name: "Power cycles", StateClass: TotalIncreasing, Category: Diagnostic, Icon: "mdi:power-cycle"}, "power_cycles")
	counts := []struct {
		key, name string
		v         *uint64
	}{
		{"reallocated", "Reallocated sectors", d.Counts.Reallocated},
		{"pending", "Pending sectors", d.Counts.Pending},
		{"uncorrectable", "Uncorrectable sectors", d.Counts.Uncorrectable},
		{"reported_uncorrectable", "Reported uncorrectable errors", d.Counts.ReportedUncor},
	}
	for _, c := range counts {
		if c.v != nil {
			b.add(c.key, Entity{Name: c.name, StateClass: Measurement, Icon: "mdi:harddisk-remove"}, "counts."+c.key)
		}
	}
	if d.NVMe != nil {
		b.add("nvme_used", Entity{Name: "Endurance used", Unit: Percent, StateClass: Measurement, Icon: "mdi:gauge"}, "nvme.percentage_used")
		b.add("nvme_spare", Entity{Name: "Available spare", Unit: Percent, StateClass: Measurement, Icon: "mdi:gauge-low"}, "nvme.available_spare")
		b.add("nvme_media_errors", Entity{Name: "Media errors", StateClass: Measurement, Icon: "mdi:alert-circle-outline"}, "nvme.media_errors")
	}
	b.add("health", Entity{Platform: BinarySensor, Name: "Health", DeviceClass: Problem,
		ValueTemplate:    "{{ 'ON' if value_json.health.known and not value_json.health.passed else 'OFF' }}",
		JSONAttrTopic:    sc.Disk(hostID, key),
		JSONAttrTemplate: "{{ {'reasons': value_json.health.reasons, 'attributes': value_json.attrs | default(None), 'nvme': value_json.nvme | default(None), 'self_test': value_json.self_test | default(None), 'serial': value_json.serial | default(None), 'mounts': value_json.mounts | default([]), 'shares': value_json.shares | default([])} | tojson }}",
	}, "health")
	b.add("status", Entity{Name: "SMART status", DeviceClass: Enum, Options: wire.DiskStatuses,
		Category: Diagnostic, Icon: "mdi:harddisk", Availability: []Availability{{Topic: sc.Status(hostID)}},
		JSONAttrTopic: sc.Disk(hostID, key), JSONAttrTemplate: "{{ {'error': value_json.error | default(None)} | tojson }}"}, "status")
	if host.Evacuate {
		evacuationEntities(b, sc, hostID, key)
	}
	return Payload{
		Device:     diskDevice(host, key, d),
		Origin:     origin(version),
		Components: b.cmps,
		StateTopic: sc.Disk(hostID, key),
		Availability: []Availability{
			{Topic: sc.Status(hostID)},
			{Topic: sc.Disk(hostID, key), ValueTemplate: "{{ 'offline' if value_json.status in ['error', 'unsupported'] else 'online' }}"},
		},
		AvailabilityMode: "all",
		QoS:              1,
	}
}

// evacuationEntities are the disk's Evacuate data button and the sensors
// of the copy's progress and result (homefleet/<host>/evacuation/<disk>).
func evacuationEntities(b *builder, sc topic.Scheme, hostID, key string) {
	ev := sc.Evacuation(hostID, key)
	b.add("evacuate", Entity{Platform: Button, Name: "Evacuate data", Icon: "mdi:truck-fast-outline",
		CommandTopic: sc.Evacuate(hostID, key), PayloadPress: "PRESS"}, "")
	b.add("evacuation", Entity{Name: "Evacuation", DeviceClass: Enum, Options: wire.EvacuationStates, Icon: "mdi:content-copy",
		StateTopic: ev, JSONAttrTopic: ev,
		JSONAttrTemplate: "{{ {'reason': value_json.reason | default(None), 'mounts': value_json.mounts, 'destination': value_json.destination | default(None), 'request': value_json.id | default(None), 'started': value_json.started | default(None), 'finished': value_json.finished | default(None), 'total': value_json.total} | tojson }}"}, "state")
	b.add("evacuation_progress", Entity{Name: "Evacuation progress", Unit: Percent, StateClass: Measurement, StateTopic: ev, Icon: "mdi:progress-upload"}, "percent")
	b.add("evacuation_eta", Entity{Name: "Evacuation time left", DeviceClass: Duration, Unit: Seconds, StateTopic: ev, Icon: "mdi:timer-sand"}, "eta_s")
	b.add("evacuation_copied", Entity{Name: "Evacuation copied", DeviceClass: DataSize, Unit: Bytes, StateClass: Measurement, StateTopic: ev}, "bytes")
}
