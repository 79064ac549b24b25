package discovery

import (
	"github.com/homefleet/homefleet/internal/topic"
)

// Disk trigger types the hub fires on a disk's HA device.
const (
	TriggerDiskWatch    = "disk_watch"
	TriggerDiskCritical = "disk_critical"
	TriggerDiskFailing  = "disk_failing"
)

// PredictionPayload is the hub's discovery for one disk: prediction
// entities and device triggers on the disk's own HA device (same
// identifier as the agent's disk discovery, so HA merges them).
// serial is the disk's serial ("" when it has none), which names its HA
// device.
func PredictionPayload(hubID, device, disk, serial, version string, sc topic.Scheme) Payload {
	id := topic.PredictionNode(device, disk)
	h := Host{ID: id, Name: "disk " + disk}
	b := &builder{h: h, cmps: map[string]Entity{}}
	b.add("state", Entity{Name: "Failure prediction", DeviceClass: Enum, Options: []string{"ok", "watch", "critical", "failing"},
		Icon: "mdi:harddisk-plus", JSONAttrTopic: sc.HubDisk(device, disk),
		JSONAttrTemplate: "{{ {'reasons': value_json.reasons, 'p90': value_json.p90, 'within_48h': value_json.within_48h} | tojson }}"}, "state")
	b.add("risk30", Entity{Name: "Failure risk (30 days)", Unit: Percent, StateClass: Measurement, Precision: precision(1),
		ValueTemplate: "{{ (value_json.p30 * 100) | round(1) }}", Icon: "mdi:chart-bell-curve"}, "p30")
	for _, tr := range []string{TriggerDiskWatch, TriggerDiskCritical, TriggerDiskFailing} {
		b.cmps[tr] = Entity{Platform: Trigger, AutomationType: "trigger", Topic: sc.HubDiskTrigger(device, disk),
			Type: tr, Subtype: "disk", TriggerPayload: tr}
	}
	return b.payload(Device{Identifiers: []string{DiskIdentifier(device, disk, serial)}}, version, sc.HubDisk(device, disk), sc.Status(hubID))
}
