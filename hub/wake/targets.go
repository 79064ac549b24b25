package wake

import (
	"context"
	"encoding/json"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/hub/feature"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
	"github.com/homefleet/homefleet/internal/wol"
)

// load restores the targets learned before a restart: a device asleep
// now will not publish its identity again until it wakes.
func (w *Service) load(ctx context.Context) error {
	docs, err := w.env.Store.WakeTargets(ctx)
	if err != nil {
		return err
	}
	for dev, b := range docs {
		if doc, err := wire.DecodeNet(b); err == nil {
			w.apply(dev, doc)
		}
	}
	return nil
}

// drain applies every queued availability change and identity.
func (w *Service) drain(ctx context.Context) {
	w.learnAll(ctx)
	w.setAllOnline(ctx)
}

// learnAll learns every identity waiting, queued or beyond the queue.
func (w *Service) learnAll(ctx context.Context) {
	for _, m := range w.netMsgs.Overflow() {
		w.learn(ctx, m)
	}
}

// setAllOnline applies every availability change waiting.
func (w *Service) setAllOnline(ctx context.Context) {
	for _, st := range w.status.Overflow() {
		w.setOnline(ctx, st)
	}
}

func (w *Service) setOnline(ctx context.Context, st statusMsg) {
	w.online[st.device] = st.online
	if p := w.pending[st.device]; p != nil && st.online {
		w.finish(ctx, st.device, p, true)
	}
}

func (w *Service) learn(ctx context.Context, m netMsg) {
	if !w.apply(m.device, m.doc) {
		return
	}
	if b, err := json.Marshal(m.doc); err == nil {
		if err := w.env.Store.SaveWakeTarget(ctx, m.device, b); err != nil {
			w.env.Log.Warn("storing wake target", "device", m.device, "err", err)
		}
	}
	w.publishDiscovery(ctx, m.device)
}

// apply sets a learned target; configured targets win.
func (w *Service) apply(dev string, doc wire.Net) bool {
	t := w.targets[dev]
	if t != nil && t.static {
		return false
	}
	if t == nil {
		t = &target{}
		w.targets[dev] = t
	}
	t.macs, t.broadcasts = nil, nil
	for _, i := range doc.Interfaces {
		if mac, err := wol.ParseMAC(i.MAC); err == nil {
			t.macs = append(t.macs, mac)
		}
		t.broadcasts = append(t.broadcasts, i.Broadcast...)
	}
	return true
}

// publishAllDiscovery republishes every target's Wake config (after a
// connect or HA's birth), paced beside the loop.
func (w *Service) publishAllDiscovery(ctx context.Context) {
	keys := map[int]string{}
	var msgs []feature.Outgoing
	for dev := range w.targets {
		keys[len(msgs)] = dev
		msgs = append(msgs, w.discovery(dev))
	}
	for _, dev := range keys {
		w.sent[dev] = true // on its way: an identity arriving meanwhile does not send it again
	}
	w.repub.Start(ctx, w.env, msgs, keys)
}

func (w *Service) publishDiscovery(ctx context.Context, dev string) {
	if w.sent[dev] {
		return
	}
	if m := w.discovery(dev); w.env.Send(ctx, m.Topic, m.V, m.Retain) {
		w.sent[dev] = true
	}
}

// discovery is the Wake config of target dev.
func (w *Service) discovery(dev string) feature.Outgoing {
	sc := w.env.Scheme
	return feature.Outgoing{Topic: sc.NodeDiscovery(topic.HubID, topic.WakeNode(dev)),
		V: discovery.WakePayload(topic.HubID, dev, w.targets[dev].name, w.env.Version, sc), Retain: true}
}
