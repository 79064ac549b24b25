package discovery

import "github.com/homefleet/homefleet/internal/topic"

// HubPayload is the device discovery of the hub itself.
func HubPayload(id, version string, sc topic.Scheme) Payload {
	h := Host{ID: id, Name: "homefleet hub", Model: "homefleet hub", Version: version}
	b := &builder{h: h, cmps: map[string]Entity{}}
	b.add("online", Entity{Name: "Devices online", StateClass: Measurement, Icon: "mdi:lan-connect"}, "online")
	return Payload{
		Device:            h.device(),
		Origin:            Origin{Name: OriginName, SWVersion: version, URL: OriginURL},
		Components:        b.cmps,
		StateTopic:        sc.State(id),
		AvailabilityTopic: sc.Status(id),
		QoS:               1,
	}
}
