package wake

import (
	"context"
	"fmt"
	"time"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/hub/feature"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
	"github.com/homefleet/homefleet/internal/wol"
)

func (w *Service) request(ctx context.Context, r wakeReq) {
	if !w.env.Leading() {
		w.env.Log.Debug("wake left to the leading hub", "device", r.device)
		return
	}
	reject := func(err error) {
		w.env.Log.Warn("wake refused", "device", r.device, "reason", err)
		w.event(ctx, r.device, wire.Event{OK: false, Reason: err.Error()})
	}
	t := w.targets[r.device]
	if t == nil || len(t.macs) == 0 {
		reject(fmt.Errorf("%w for %q: its agent never published %s; add it to wake.targets", ErrNoTarget, r.device, w.env.Scheme.Net(r.device)))
		return
	}
	if w.online[r.device] {
		w.result(ctx, r.device, wire.WakeResult{Result: wire.WakeAlreadyAwake})
		w.event(ctx, r.device, wire.Event{OK: true, Reason: "already awake"})
		return
	}
	if w.pending[r.device] != nil {
		return // a wake is in progress; its result will be reported
	}
	p := &pendingWake{start: w.env.Now()}
	if w.env.Claim(ctx, "wake/"+topic.ID(r.device), p.start.UTC().Format(time.RFC3339Nano)) != feature.Act {
		reject(fmt.Errorf("%w: this hub no longer leads", ErrNotSent))
		return
	}
	p.deadline = p.start.Add(w.cfg.Timeout)
	w.pending[r.device] = p
	w.sendRound(ctx, r.device, t, p)
	w.result(ctx, r.device, wire.WakeResult{Result: wire.WakeSent, FirstPacketMS: ms(p.first), Packets: p.packets})
}

func (w *Service) sendRound(ctx context.Context, dev string, t *target, p *pendingWake) {
	direct, relayed := w.route(ctx, dev, t)
	p.packets += relayed
	for _, mac := range t.macs {
		sending := w.env.Now()
		r, err := wol.Send(context.Background(), w.opts.Sender, wol.Target{Name: dev, MAC: mac, Addresses: direct, Password: t.password}, wol.Options{Repeats: 3, Spacing: 100 * time.Millisecond})
		if err != nil {
			w.env.Log.Warn("sending magic packets", "device", dev, "err", err)
			continue
		}
		if p.packets == 0 { // from the request to the first packet out, not to the last round
			p.first = sending.Sub(p.start) + r.FirstPacket
		}
		p.packets += r.Packets
	}
	p.rounds++
	p.next = w.env.Now().Add(w.cfg.Timeout / time.Duration(w.cfg.Retries+1))
}

func (w *Service) check(ctx context.Context) {
	now := w.env.Now()
	if now.Sub(w.probed) >= probeEvery {
		w.probed = now
		w.probeStatic(ctx)
	}
	for dev, p := range w.pending {
		t := w.targets[dev]
		switch {
		case t.confirmTCP != "" && wol.TCPAwake(t.confirmTCP)(ctx):
			w.finish(ctx, dev, p, true)
		case now.After(p.deadline):
			w.finish(ctx, dev, p, false)
		case now.After(p.next) && p.rounds <= w.cfg.Retries && w.env.Leading():
			w.sendRound(ctx, dev, t, p)
		}
	}
}

func (w *Service) finish(ctx context.Context, dev string, p *pendingWake, ok bool) {
	delete(w.pending, dev)
	lat := w.env.Now().Sub(p.start)
	res, trig, ev := wire.WakeWoke, discovery.TriggerWoke, wire.Event{OK: true, LatencyMS: lat.Milliseconds()}
	if !ok {
		res, trig = wire.WakeFailed, discovery.TriggerWakeFailed
		ev = wire.Event{OK: false, Reason: fmt.Sprintf("%s after %d rounds of magic packets", wol.ErrNotAwake, p.rounds)}
	}
	w.env.Log.Info("wake finished", "device", dev, "result", res, "latency", lat.Round(time.Millisecond))
	w.result(ctx, dev, wire.WakeResult{Result: res, LatencyS: lat.Seconds(), FirstPacketMS: ms(p.first), Packets: p.packets})
	w.event(ctx, dev, ev)
	w.env.Fire(ctx, w.env.Scheme.HubWakeTrigger(dev), []byte(trig))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (w *Service) result(ctx context.Context, dev string, r wire.WakeResult) {
	r.V, r.TS = 1, w.env.Now().Unix()
	w.env.Send(ctx, w.env.Scheme.HubWake(dev), r, true)
}

func (w *Service) event(ctx context.Context, dev string, e wire.Event) {
	e.V, e.TS, e.Type, e.Verb = 1, w.env.Now().Unix(), "wake", "wake"
	w.env.Send(ctx, w.env.Scheme.Event(dev), e, false)
}
