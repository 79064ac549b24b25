package internet

import (
	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/hub/feature"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/probe"
	"github.com/homefleet/homefleet/internal/topic"
)

// HubName is the hub's HA device name.
const HubName = "homefleet hub"

// Probes is the service that runs the hub's service probes, shown on the
// hub device.
func Probes(env feature.Env, probes []config.Probe) *probe.Service {
	env = env.Named("probes")
	return probe.NewService(topic.HubID, env.Scheme, probes, func(name string) any {
		return discovery.ProbePayload(topic.HubID, HubName, name, env.Version, env.Scheme)
	}, env.Session, env.Log)
}
