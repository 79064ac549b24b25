package probe

import (
	"context"
	"log/slog"
	"sync"

	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/internal/service"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// Publisher is the MQTT session.
type Publisher interface {
	Publish(ctx context.Context, topic string, payload []byte, retain bool) error
}

// Service runs one device's probes (the hub's or an agent's) and
// publishes each result retained and, on Announce, each probe's HA
// discovery, which the caller builds (package discovery).
type Service struct {
	Device    string
	Scheme    topic.Scheme
	Probes    []config.Probe
	Discovery func(probe string) any // the discovery payload of one probe
	Pub       Publisher
	Log       *slog.Logger
	resend    chan struct{}
}

// NewService returns the service for the probes of device.
func NewService(device string, sc topic.Scheme, probes []config.Probe, disc func(string) any, pub Publisher, log *slog.Logger) *Service {
	return &Service{Device: device, Scheme: sc, Probes: probes, Discovery: disc, Pub: pub, Log: log, resend: make(chan struct{}, 1)}
}

// Name implements service.Service.
func (s *Service) Name() string { return "probes" }

// Announce asks for discovery and the last results to be republished.
func (s *Service) Announce() { service.Nudge(s.resend) }

// PublishDiscovery publishes every probe's HA discovery.
func (s *Service) PublishDiscovery(ctx context.Context) {
	for _, p := range s.Probes {
		_ = mqttc.PublishJSON(ctx, s.Pub, s.Scheme.NodeDiscovery(s.Device, topic.ProbeNode(s.Device, p.Name)), s.Discovery(p.Name), true)
	}
}

type named struct {
	name string
	r    wire.Probe
}

// Run probes until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	if len(s.Probes) == 0 {
		<-ctx.Done()
		return nil
	}
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
			s.PublishDiscovery(ctx)
			for _, p := range s.Probes {
				if r, ok := last[p.Name]; ok {
					_ = mqttc.PublishJSON(ctx, s.Pub, s.Scheme.Probe(s.Device, p.Name), r, true)
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
			_ = mqttc.PublishJSON(ctx, s.Pub, s.Scheme.Probe(s.Device, n.name), n.r, true)
		}
	}
}
