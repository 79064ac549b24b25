package discovery

import (
	"strings"

	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// DiskIdentifier is the HA device identifier of a disk; the hub's
// prediction entities use it too, so they land on the same HA device.
func DiskIdentifier(diskKey string) string { return "homefleet_disk_" + diskKey }

// DiskDeviceID is the discovery node id of a disk of a host.
func DiskDeviceID(hostID, diskKey string) string { return topic.DiskNode(hostID, diskKey) }

func diskDevice(hostID, key string, d wire.Disk) Device {
	name := strings.TrimSpace(d.Model)
	if name == "" {
		name = "Disk"
	}
	return Device{
		Identifiers: []string{DiskIdentifier(key)}, Name: name + " (" + d.Name + ")",
		Manufacturer: d.Protocol, Model: d.Model, SerialNumber: d.Serial, SWVersion: d.Firmware,
		ViaDevice: Host{ID: hostID}.Identifier(),
	}
}

// DiskPayload is the device discovery of one disk: its own HA device,
// attached to the host with via_device, entities only for what the disk
// reports.
func DiskPayload(hostID, key, version string, d wire.Disk, sc topic.Scheme) Payload {
	h := Host{ID: DiskDeviceID(hostID, key), Name: "disk " + key}
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
		JSONAttrTemplate: "{{ {'reasons': value_json.health.reasons, 'attributes': value_json.attrs, 'nvme': value_json.nvme, 'self_test': value_json.self_test, 'serial': value_json.serial} | tojson }}",
	}, "health")
	b.add("status", Entity{Name: "SMART status", DeviceClass: Enum, Options: []string{wire.DiskOK, wire.DiskStandby, wire.DiskUnavailable},
		Category: Diagnostic, Icon: "mdi:harddisk"}, "status")
	return Payload{
		Device:     diskDevice(hostID, key, d),
		Origin:     origin(version),
		Components: b.cmps,
		StateTopic: sc.Disk(hostID, key),
		Availability: []Availability{
			{Topic: sc.Status(hostID)},
			{Topic: sc.Disk(hostID, key), ValueTemplate: "{{ 'offline' if value_json.status == 'unavailable' else 'online' }}"},
		},
		AvailabilityMode: "all",
		QoS:              1,
	}
}
