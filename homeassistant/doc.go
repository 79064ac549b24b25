// Package homeassistant is the Home Assistant side of homefleet, shipped
// as files rather than code:
//
//   - blueprints/automation/homefleet/: automation blueprints (idle sleep
//     with a cancellable grace notice; wake, back up, sleep; disk health;
//     public IP and DDNS; probes down; a smart plug that follows the machine)
//   - dashboard/homefleet.yaml: a dashboard of standard cards
//   - addon/: the hub as a Home Assistant OS add-on
//
// Its tests load every file with HA's YAML tags and check each entity id,
// device class, trigger topic and type, action and card against what
// homefleet's discovery produces (the golden payloads in discovery/testdata)
// or Home Assistant core provides (testdata/ha_core.yaml).
package homeassistant
