package probe

import (
	"context"
	"log/slog"
	"sync"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// Publisher is the MQTT session (mqttc.Client).
type Publisher interface {
	Publish(ctx context.Context, topic string, payload []byte, retain bool) error
}

// Service runs a device's probes and publishes each result (retained)
// and, on every connect, their HA discovery.
type Service struct {
	Device, DeviceName, Version string
	Scheme                      topic.Scheme
	Probes                      []config.Probe
	Log                         *slog.Logger
	resend                      chan struct{}
}

// NewService returns a service for the probes of device.
func NewService(device, deviceName, version string, sc topic.Scheme, probes []config.Probe, log *slog.Logger) *Service {
	return &Service{Device: device, DeviceName: deviceName, Version: version, Scheme: sc, Probes: probes, Log: log, resend: make(chan struct{}, 1)}
}

// Connected asks for discovery and the last results to be republished.
func (s *Service) Connected() {
	select {
	case s.resend <- struct{}{}:
	default:
	}
}

type named struct {
	name string
	r    wire.Probe
}

// Run probes until ctx ends.
func (s *Service) Run(ctx context.Context, pub Publisher) error {
	results := make(chan named, len(s.Probes))
	var wg sync.WaitGroup
	wg.Go(func() {
		Run(ctx, s.Probes, func(name string, r wire.Probe) {
			select {
			case results <- named{name, r}:
			case <-ctx.Done():
			}
		})
	})
	defer wg.Wait()
	last := map[string]wire.Probe{}
	up := map[string]bool{}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.resend:
			for _, p := range s.Probes {
				_ = mqttc.PublishJSON(ctx, pub, s.Scheme.Discovery(s.Device+"_probe_"+topic.ID(p.Name)),
					discovery.ProbePayload(s.Device, s.DeviceName, p.Name, s.Version, s.Scheme), true)
				if r, ok := last[p.Name]; ok {
					_ = mqttc.PublishJSON(ctx, pub, s.Scheme.Probe(s.Device, p.Name), r, true)
				}
			}
		case n := <-results:
			if was, seen := up[n.name]; !seen || was != n.r.Up {
				if n.r.Up {
					s.Log.Info("probe up", "probe", n.name, "latency_ms", n.r.LatencyMS, "detail", n.r.Detail)
				} else {
					s.Log.Warn("probe down", "probe", n.name, "err", n.r.Error)
				}
			}
			up[n.name], last[n.name] = n.r.Up, n.r
			_ = mqttc.PublishJSON(ctx, pub, s.Scheme.Probe(s.Device, n.name), n.r, true)
		}
	}
}
