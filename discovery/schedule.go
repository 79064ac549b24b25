package discovery

import (
	"github.com/homefleet/homefleet/internal/topic"
)

// Schedule trigger types.
const (
	TriggerBackupFinished = "backup_finished"
	TriggerBackupFailed   = "backup_failed"
)

// SchedulePayload is the hub's discovery of one power schedule, on the
// device it drives: an enable switch, the next run, a run-now button and,
// for backups, the finished/failed triggers.
func SchedulePayload(hubID, device, name string, backup bool, version string, sc topic.Scheme) Payload {
	id := topic.ScheduleNode(device, name)
	b := &builder{h: Host{ID: id, Name: "schedule " + name}, cmps: map[string]Entity{}}
	b.add("enabled", Entity{Platform: Switch, Name: "Schedule " + name, Icon: "mdi:calendar-clock",
		CommandTopic: sc.Command(hubID, "schedule_"+topic.ID(name)), PayloadOn: "ON", PayloadOff: "OFF",
		ValueTemplate: "{{ 'ON' if value_json.enabled else 'OFF' }}"}, "enabled")
	b.add("next", Entity{Name: "Next " + name, DeviceClass: Timestamp,
		JSONAttrTopic: sc.HubSchedule(name), JSONAttrTemplate: "{{ {'last_result': value_json.last_result | default(None), 'last_run': value_json.last_run | default(None)} | tojson }}"}, "next_run")
	b.add("run_now", Entity{Platform: Button, Name: "Run " + name + " now", Icon: "mdi:play", CommandTopic: sc.Command(hubID, "run_now_"+topic.ID(name)), PayloadPress: "PRESS"}, "")
	if backup {
		for _, tr := range []string{TriggerBackupFinished, TriggerBackupFailed} {
			b.cmps[tr] = Entity{Platform: Trigger, AutomationType: "trigger", Topic: sc.HubScheduleTrigger(name), Type: tr, Subtype: topic.ID(name), TriggerPayload: tr}
		}
	}
	return b.payload(Host{ID: device}.ref(), version, sc.HubSchedule(name), sc.Status(hubID))
}
