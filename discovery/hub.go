package discovery

import "github.com/homefleet/homefleet/internal/topic"

// HubPayload is the device discovery of the hub itself.
func HubPayload(id, version string, sc topic.Scheme) Payload {
	h := Host{ID: id, Name: "homefleet hub", Model: "homefleet hub", Version: version}
	b := &builder{h: h, cmps: map[string]Entity{}}
	b.add("online", Entity{Name: "Devices online", StateClass: Measurement, Icon: "mdi:lan-connect"}, "online")
	return b.payload(h.device(), version, sc.State(id), sc.Status(id))
}
