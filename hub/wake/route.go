package wake

import (
	"context"
	"net"
	"slices"
	"strconv"

	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
	"github.com/homefleet/homefleet/internal/wol"
)

// route splits the target's subnets: those the hub is on (or that no
// awake agent is on) get packets from here; the others are relayed by an
// awake agent on that subnet. It returns the direct addresses and the
// number of relay requests sent.
func (w *Service) route(ctx context.Context, dev string, t *target) ([]string, int) {
	local := w.opts.LocalBroadcasts()
	port := strconv.Itoa(w.cfg.Port)
	var direct []string
	relayed := 0
	for _, b := range t.broadcasts {
		ifname, isLocal := local[b]
		if isLocal && ifname != "" {
			direct = append(direct, wol.RawPrefix+ifname) // EtherType 0x0842; needs CAP_NET_RAW, UDP follows anyway
		}
		if relay := w.relayFor(dev, b); relay != "" && !isLocal {
			for _, mac := range t.macs {
				now := w.env.Now()
				cmd := wire.Command{ID: dev + "-" + strconv.FormatInt(now.UnixNano(), 36), TS: now.Unix(), MAC: mac.String(), Broadcast: b}
				if w.env.Send(ctx, w.env.Scheme.Command(relay, "wake-relay"), cmd, false) {
					relayed++
				}
			}
			w.env.Log.Info("wake relayed", "device", dev, "via", relay, "broadcast", b)
			continue
		}
		direct = append(direct, net.JoinHostPort(b, port))
	}
	if !w.cfg.NoLimitedBroadcast {
		direct = append(direct, net.JoinHostPort("255.255.255.255", port))
	}
	slices.Sort(direct)
	return slices.Compact(direct), relayed
}

// relayFor picks an awake agent (not dev) with an interface on broadcast b.
func (w *Service) relayFor(dev, b string) string {
	var names []string
	for name, t := range w.targets {
		if name != dev && !t.static && w.online[name] && slices.Contains(t.broadcasts, b) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// probeStatic publishes the availability of targets without an agent, from
// their confirm_tcp port, so their Awake sensor shows the truth.
func (w *Service) probeStatic(ctx context.Context) {
	for dev, t := range w.targets {
		if !t.static || t.confirmTCP == "" {
			continue
		}
		up := wol.TCPAwake(t.confirmTCP)(ctx)
		if known, ok := w.online[dev]; ok && known == up {
			continue
		}
		w.online[dev] = up
		status := topic.Offline
		if up {
			status = topic.Online
		}
		if err := w.env.Session.Publish(ctx, w.env.Scheme.Status(dev), []byte(status), true); err != nil {
			w.env.Log.Debug("publishing probed availability", "device", dev, "err", err)
		}
	}
}
