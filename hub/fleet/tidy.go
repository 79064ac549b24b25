package fleet

// Tidying: the hub clears retained messages that must not stay on the
// broker. Discovery configs of the old layout, where a disk or a Wake
// button had its own top-level node (homeassistant/device/nas_sda/config),
// are superseded by the nested ones (homeassistant/device/nas/nas_sda/config)
// and would only resurrect entities later; a retained command would replay
// on every reconnect, and agents may not write their own command topics to
// clear it. Only the hub, which may write everywhere, can do both.

import (
	"context"
	"encoding/json"

	"github.com/homefleet/homefleet/internal/service"
)

// origin is the origin name of every config homefleet publishes.
const origin = "homefleet"

// handleDiscovery queues a retained homefleet config of the old layout
// for clearing. A host's own config (homeassistant/device/nas/config) has
// components whose state lives under homefleet/nas/; an old nested node's
// (nas_sda, nas_wake, hub_internet) never does.
func (f *Service) handleDiscovery(t string, payload []byte, retained bool) error {
	owner, node, ok := f.env.Scheme.ParseDiscovery(t)
	if !retained || !ok || node != "" || len(payload) == 0 {
		return nil
	}
	var p struct {
		Origin struct {
			Name string `json:"name"`
		} `json:"o"`
		State        string `json:"stat_t"`
		Availability string `json:"avty_t"`
		Components   map[string]struct {
			State        string `json:"stat_t"`
			Availability string `json:"avty_t"`
		} `json:"cmps"`
	}
	if json.Unmarshal(payload, &p) != nil || p.Origin.Name != origin || len(p.Components) == 0 {
		return nil // not ours: never touch another integration's config
	}
	// The components inherit the payload's topics unless they name their
	// own: a host with only inherited ones is a host all the same.
	own := []string{p.State, p.Availability}
	for _, c := range p.Components {
		own = append(own, c.State, c.Availability)
	}
	for _, tp := range own {
		if dev, ok := f.env.Scheme.ParseDevice(tp); ok && dev == owner {
			return nil // a host's own device config
		}
	}
	return service.Enqueue(f.clear, t, "clearing "+t)
}

// handleCommand queues a retained command for clearing: the agent refuses
// it, and nobody else would ever remove it.
func (f *Service) handleCommand(t string, payload []byte, retained bool) error {
	if !retained || len(payload) == 0 {
		return nil
	}
	return service.Enqueue(f.clear, t, "clearing "+t)
}

// tidy clears one retained topic (from Run, never from a handler).
func (f *Service) tidy(ctx context.Context, t string) {
	if err := f.env.Session.Publish(ctx, t, nil, true); err != nil {
		f.env.Log.Warn("clearing a retained message", "topic", t, "err", err)
		return
	}
	f.env.Log.Info("cleared a retained message that must not stay", "topic", t)
}
