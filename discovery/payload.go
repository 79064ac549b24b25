package discovery

import (
	"encoding/json"
	"fmt"
	"maps"
)

// Payload is one device-based discovery message
// (homeassistant/device/<device>/config), with HA's abbreviated keys.
type Payload struct {
	Device            Device            `json:"dev"`
	Origin            Origin            `json:"o"`
	Components        map[string]Entity `json:"cmps"`
	StateTopic        string            `json:"stat_t,omitempty"`
	AvailabilityTopic string            `json:"avty_t,omitempty"`
	Availability      []Availability    `json:"avty,omitempty"`
	AvailabilityMode  string            `json:"avty_mode,omitempty"`
	QoS               int               `json:"qos"`
}

// Availability is one entry of an availability list.
type Availability struct {
	Topic         string `json:"t"`
	ValueTemplate string `json:"val_tpl,omitempty"`
}

// Device is the HA device block.
type Device struct {
	Identifiers  []string `json:"ids"`
	Name         string   `json:"name,omitempty"`
	Manufacturer string   `json:"mf,omitempty"`
	Model        string   `json:"mdl,omitempty"`
	SerialNumber string   `json:"sn,omitempty"`
	HWVersion    string   `json:"hw,omitempty"`
	SWVersion    string   `json:"sw,omitempty"`
	ViaDevice    string   `json:"via_device,omitempty"`
}

// Origin names the application that published the discovery.
type Origin struct {
	Name      string `json:"name"`
	SWVersion string `json:"sw,omitempty"`
	URL       string `json:"url,omitempty"`
}

// Entity is one component of a device. Only Platform is set on a removal
// tombstone.
type Entity struct {
	Platform         Component      `json:"p"`
	Name             string         `json:"name,omitempty"`
	UniqueID         string         `json:"uniq_id,omitempty"`
	DefaultEntityID  string         `json:"def_ent_id,omitempty"`
	DeviceClass      DeviceClass    `json:"dev_cla,omitempty"`
	Unit             Unit           `json:"unit_of_meas,omitempty"`
	StateClass       StateClass     `json:"stat_cla,omitempty"`
	ValueTemplate    string         `json:"val_tpl,omitempty"`
	Category         Category       `json:"ent_cat,omitempty"`
	Icon             string         `json:"ic,omitempty"`
	Precision        *int           `json:"sug_dsp_prc,omitempty"`
	StateTopic       string         `json:"stat_t,omitempty"`
	CommandTopic     string         `json:"cmd_t,omitempty"`
	PayloadPress     string         `json:"pl_prs,omitempty"`
	PayloadOn        string         `json:"pl_on,omitempty"`
	PayloadOff       string         `json:"pl_off,omitempty"`
	JSONAttrTopic    string         `json:"json_attr_t,omitempty"`
	JSONAttrTemplate string         `json:"json_attr_tpl,omitempty"`
	Availability     []Availability `json:"avty,omitempty"` // instead of the device's
	EnabledByDefault *bool          `json:"en,omitempty"`
	Options          []string       `json:"ops,omitempty"`
	AutomationType   string         `json:"atype,omitempty"`
	Topic            string         `json:"t,omitempty"`
	Type             string         `json:"type,omitempty"`
	Subtype          string         `json:"stype,omitempty"`
	TriggerPayload   string         `json:"pl,omitempty"`
}

// Marshal encodes the payload; map keys are sorted, so output is stable.
func (p Payload) Marshal() ([]byte, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encoding discovery: %w", err)
	}
	return b, nil
}

// Removed returns a copy of next in which every component of prev that is
// missing from next appears as a bare {"p": platform} tombstone, the form
// HA needs to delete one component of a device. Publish it, then next.
// ok is false when nothing was removed.
func Removed(prev, next Payload) (tomb Payload, ok bool) {
	tomb = next
	tomb.Components = maps.Clone(next.Components)
	for id, e := range prev.Components {
		if _, still := next.Components[id]; !still {
			tomb.Components[id] = Entity{Platform: e.Platform}
			ok = true
		}
	}
	return tomb, ok
}

// payload wraps the builder's components in the discovery message of dev,
// with state on stateTopic ("" when each entity names its own) and
// available while avty says online.
func (b *builder) payload(dev Device, version, stateTopic, avty string) Payload {
	return Payload{Device: dev, Origin: origin(version), Components: b.cmps, StateTopic: stateTopic, AvailabilityTopic: avty, QoS: 1}
}

func origin(version string) Origin {
	return Origin{Name: OriginName, SWVersion: version, URL: OriginURL}
}
