package hub

import (
	"context"
	"net"
	"slices"
	"strconv"

	"github.com/homefleet/homefleet/agent/collect/netid"
	"github.com/homefleet/homefleet/hub/wake"
	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/internal/wire"
)

// route splits the target's subnets: those the hub is on (or that no
// awake agent is on) get packets from here; the others are relayed by an
// awake agent on that subnet. It returns the direct addresses and the
// number of relay requests sent.
func (w *waker) route(ctx context.Context, pub publisher, dev string, t *target) ([]string, int) {
	local := w.localBroadcasts()
	port := strconv.Itoa(w.cfg.Port)
	var direct []string
	relayed := 0
	for _, b := range t.broadcasts {
		ifname, isLocal := local[b]
		if isLocal && ifname != "" {
			direct = append(direct, wake.RawPrefix+ifname) // EtherType 0x0842; needs CAP_NET_RAW, UDP follows anyway
		}
		if relay := w.relayFor(dev, b); relay != "" && !isLocal {
			for _, mac := range t.macs {
				cmd := wire.Command{ID: dev + "-" + strconv.FormatInt(w.now().UnixNano(), 36), TS: w.now().Unix(), MAC: mac.String(), Broadcast: b}
				if err := mqttc.PublishJSON(ctx, pub, w.sc.Command(relay, "wake-relay"), cmd, false); err == nil {
					relayed++
				}
			}
			w.log.Info("wake relayed", "device", dev, "via", relay, "broadcast", b)
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
func (w *waker) relayFor(dev, b string) string {
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
func (w *waker) probeStatic(ctx context.Context, pub publisher) {
	for dev, t := range w.targets {
		if !t.static || t.confirmTCP == "" {
			continue
		}
		up := wake.TCPAwake(t.confirmTCP)(ctx)
		if known, ok := w.online[dev]; ok && known == up {
			continue
		}
		w.online[dev] = up
		status := mqttc.Offline
		if up {
			status = mqttc.Online
		}
		if err := pub.Publish(ctx, w.sc.Status(dev), []byte(status), true); err != nil {
			w.log.Debug("publishing probed availability", "device", dev, "err", err)
		}
	}
}

// hostBroadcasts maps this machine's subnets' broadcasts to interfaces.
func hostBroadcasts() map[string]string {
	ifs, err := netid.Collect()
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for _, i := range ifs {
		for _, b := range i.Broadcast {
			out[b] = i.Name
		}
	}
	return out
}
