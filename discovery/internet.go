package discovery

import (
	"github.com/homefleet/homefleet/internal/topic"
)

// Internet trigger types.
const (
	TriggerIPChanged        = "ip_changed"
	TriggerDDNSUpdateFailed = "ddns_update_failed"
)

// DDNSRecordRef names a record for its entities.
type DDNSRecordRef struct {
	Key  string // name/type
	Name string
	Type string
}

// InternetPayload is the hub's discovery of the home's internet side, on
// the hub device: public IPv4/IPv6 (previous address and last change as
// attributes), behind-CGNAT and sources-disagree problems, per DDNS
// record an in-sync sensor with its last error, an Update DDNS now button
// and the ip_changed / ddns_update_failed triggers.
func InternetPayload(hubID, version string, ipv6 bool, records []DDNSRecordRef, sc topic.Scheme) Payload {
	b := &builder{h: Host{ID: hubID, Name: "homefleet hub"}, cmps: map[string]Entity{}}
	ip := sc.HubPublicIP()
	b.add("public_ipv4", Entity{Name: "Public IPv4", Icon: "mdi:ip-network", StateTopic: ip, JSONAttrTopic: ip,
		JSONAttrTemplate: "{{ {'previous': value_json.previous_ipv4, 'last_change': value_json.changed_ipv4, 'sources': value_json.sources, 'excluded': value_json.excluded | default(None), 'checked': value_json.checked} | tojson }}"}, "ipv4")
	if ipv6 {
		b.add("public_ipv6", Entity{Name: "Public IPv6", Icon: "mdi:ip-network", StateTopic: ip, JSONAttrTopic: ip,
			JSONAttrTemplate: "{{ {'previous': value_json.previous_ipv6, 'last_change': value_json.changed_ipv6, 'sources': value_json.sources} | tojson }}"}, "ipv6")
	}
	cgnat := flag(ip, "cgnat", "{{ {'explanation': value_json.cgnat_reason, 'router_wan': value_json.router_wan} | tojson }}")
	cgnat.Name, cgnat.DeviceClass = "Behind CGNAT", Problem
	b.add("cgnat", cgnat, "")
	sources := flag(ip, "disagree", "{{ {'details': value_json.disagreement, 'excluded': value_json.excluded | default(None), 'no_quorum': value_json.no_quorum | default(None)} | tojson }}")
	sources.Name, sources.DeviceClass, sources.Category = "Public IP sources disagree", Problem, Diagnostic
	b.add("ip_sources", sources, "")
	for _, r := range records {
		e := flag(sc.HubDDNS(r.Key), "in_sync", "{{ {'address': value_json.addr, 'last_error': value_json.last_error, 'last_update': value_json.last_update, 'verified_at': value_json.verified_at, 'propagation_ms': value_json.propagation_ms, 'disabled': value_json.disabled, 'note': value_json.note | default(None)} | tojson }}")
		e.Name, e.Icon = "DNS "+r.Name+" "+r.Type+" in sync", "mdi:dns"
		b.add("ddns_"+topic.Key(r.Name+"_"+r.Type), e, "")
	}
	if len(records) > 0 {
		b.add("ddns_update", Entity{Platform: Button, Name: "Update DDNS now", Icon: "mdi:dns", CommandTopic: sc.Command(hubID, "ddns_update"), PayloadPress: "PRESS"}, "")
	}
	for _, tr := range []string{TriggerIPChanged, TriggerDDNSUpdateFailed} {
		b.cmps[tr] = Entity{Platform: Trigger, AutomationType: "trigger", Topic: sc.HubPublicIPTrigger(), Type: tr, Subtype: "internet",
			TriggerPayload: tr, ValueTemplate: "{{ value_json.event }}"}
	}
	return b.payload(Host{ID: hubID}.ref(), version, "", sc.Status(hubID))
}

// flag is a binary sensor on a boolean of a JSON document, with
// attributes from the same document.
func flag(stateTopic, key, attrs string) Entity {
	return Entity{Platform: BinarySensor, StateTopic: stateTopic, ValueTemplate: "{{ 'ON' if value_json." + key + " else 'OFF' }}",
		PayloadOn: "ON", PayloadOff: "OFF", JSONAttrTopic: stateTopic, JSONAttrTemplate: attrs}
}

// ProbePayload is the discovery of one service probe on the device that
// runs it: a connectivity sensor with the last error in words, and the
// latency.
func ProbePayload(device, deviceName, name, version string, sc topic.Scheme) Payload {
	t := sc.Probe(device, name)
	b := &builder{h: Host{ID: device, Name: deviceName}, cmps: map[string]Entity{}}
	key := "probe_" + topic.Key(name)
	up := flag(t, "up", "{{ {'error': value_json.error, 'detail': value_json.detail | default(None), 'checked': value_json.checked} | tojson }}")
	up.Name, up.DeviceClass = name+" reachable", Connectivity
	b.add(key, up, "")
	b.add(key+"_latency", Entity{Name: name + " latency", DeviceClass: Duration, Unit: Millis, StateClass: Measurement,
		Precision: precision(1), StateTopic: t}, "latency_ms")
	return b.payload(Host{ID: device}.ref(), version, "", sc.Status(device))
}
