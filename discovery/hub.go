package discovery

import "github.com/homefleet/homefleet/internal/topic"

// HubPayload is the device discovery of the hub itself.
func HubPayload(id, version string, sc topic.Scheme) Payload {
	h := Host{ID: id, Name: "homefleet hub", Model: "homefleet hub", Version: version}
	b := &builder{h: h, cmps: map[string]Entity{}}
	b.add("online", Entity{Name: "Devices online", StateClass: Measurement, Icon: "mdi:lan-connect"}, "online")
	b.add("store", Entity{Platform: BinarySensor, Name: "History store", DeviceClass: Problem, Category: Diagnostic, Icon: "mdi:database-alert",
		ValueTemplate:    "{{ 'ON' if value_json.store_error | default('') else 'OFF' }}",
		JSONAttrTopic:    sc.State(id),
		JSONAttrTemplate: "{{ {'error': value_json.store_error | default(None)} | tojson }}"}, "")
	return b.payload(h.device(), version, sc.State(id), sc.Status(id))
}

// LeaderPayload is the hub's election node (failover on etcd): which
// member leads, or "no leader".
func LeaderPayload(hubID, version string, sc topic.Scheme) Payload {
	b := &builder{h: Host{ID: topic.LeaderNode(), Name: "hub leader"}, cmps: map[string]Entity{}}
	b.add("leader", Entity{Name: "Leader", Icon: "mdi:crown",
		ValueTemplate:    "{{ value_json.leader if value_json.leader else 'no leader' }}",
		JSONAttrTopic:    sc.HubLeader(),
		JSONAttrTemplate: "{{ {'lease': value_json.lease | default(None), 'revision': value_json.revision | default(None), 'since': value_json.since | default(None), 'reason': value_json.reason | default(None)} | tojson }}"}, "")
	return b.payload(Host{ID: hubID}.ref(), version, sc.HubLeader(), sc.Status(hubID))
}
