package discovery

import (
	"github.com/homefleet/homefleet/internal/topic"
)

// Wake trigger types the hub fires on a device.
const (
	TriggerWoke       = "woke"
	TriggerWakeFailed = "wake_failed"
)

// WakePayload is the hub's discovery for waking one device: a Wake
// button, an Awake sensor whose state is the device's availability (so it
// never bounces like a ping), the wake latency and the woke / wake_failed
// device triggers. name is set for devices without an agent.
func WakePayload(hubID, device, name, version string, sc topic.Scheme) Payload {
	h := Host{ID: topic.WakeNode(device), Name: "wake " + device}
	b := &builder{h: h, cmps: map[string]Entity{}}
	b.add("wake", Entity{Platform: Button, Name: "Wake", Icon: "mdi:power", CommandTopic: sc.Command(device, "wake"), PayloadPress: "PRESS"}, "")
	b.add("awake", Entity{Platform: BinarySensor, Name: "Awake", DeviceClass: Power, StateTopic: sc.Status(device),
		PayloadOn: topic.Online, PayloadOff: topic.Offline}, "")
	b.add("wake_latency", Entity{Name: "Wake latency", DeviceClass: Duration, Unit: Seconds, StateClass: Measurement,
		Precision: precision(1), Category: Diagnostic, StateTopic: sc.HubWake(device)}, "latency_s")
	for _, tr := range []string{TriggerWoke, TriggerWakeFailed} {
		b.cmps[tr] = Entity{Platform: Trigger, AutomationType: "trigger", Topic: sc.HubWakeTrigger(device), Type: tr, Subtype: "device", TriggerPayload: tr}
	}
	dev := Host{ID: device}.ref()
	if name != "" {
		dev.Name, dev.Manufacturer, dev.Model = name, "homefleet", "wake target"
	}
	return b.payload(dev, version, "", sc.Status(hubID))
}
