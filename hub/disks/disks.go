// Package disks is the hub feature that keeps every disk's SMART history
// in the store and publishes its failure prediction (hub/predict) on the
// disk's HA device, with the disk_watch / disk_critical / disk_failing
// device triggers.
package disks

import (
	"context"
	"fmt"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/hub/feature"
	"github.com/homefleet/homefleet/hub/predict"
	"github.com/homefleet/homefleet/hub/store"
	"github.com/homefleet/homefleet/internal/service"
	"github.com/homefleet/homefleet/internal/smartattr"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

type diskMsg struct {
	device, disk string
	doc          wire.Disk
}

type diskKey struct{ device, disk string }

type diskState struct {
	tracker *predict.Tracker
	last    predict.Verdict
	model   string
	known   bool          // a verdict exists
	reading store.Reading // the last reading observed (the store may not have it yet)
}

// Service stores disk history and publishes predictions. Messages are
// queued by the MQTT handler and handled by Run, which owns all state.
type Service struct {
	env    feature.Env
	model  *predict.Model
	in     *service.Mailbox[diskMsg]
	resend chan struct{}

	state   map[diskKey]*diskState // owned by Run (New fills it before)
	sent    map[diskKey]bool       // discovery published since the last connect
	serials map[diskKey]string     // from the agents' documents: a disk's serial names its HA device
	policy  string                 // predict.evacuate
	pending []evacRequest          // journaled evacuation requests not yet sent
	repub   *feature.Republisher[diskKey]
	unsaved []unsaved // readings the store could not write yet (oldest first)
}

// New loads every disk's stored history (so a hub restart keeps trends)
// and the evacuation requests not yet sent, and subscribes to the agents'
// disk documents. evacuate is predict.evacuate (ask, auto, off).
func New(ctx context.Context, env feature.Env, evacuate string) (*Service, error) {
	model, err := predict.Default()
	if err != nil {
		return nil, err
	}
	d := &Service{env: env.Named("disks"), model: model, in: service.NewMailbox[diskMsg](256), resend: make(chan struct{}, 1),
		state: map[diskKey]*diskState{}, sent: map[diskKey]bool{}, serials: map[diskKey]string{}, policy: evacuate, repub: feature.NewRepublisher[diskKey]()}
	if err := d.load(ctx); err != nil {
		return nil, err
	}
	if err := d.loadEvacuations(ctx); err != nil {
		return nil, err
	}
	env.Session.Subscribe(env.Scheme.AllDisks(), d.handle)
	return d, nil
}

// Name implements service.Service.
func (d *Service) Name() string { return "disks" }

// Announce republishes every prediction and its discovery.
func (d *Service) Announce() { service.Nudge(d.resend) }

// handle queues a disk document; bad ones are refused with a reason.
func (d *Service) handle(t string, payload []byte, _ bool) error {
	device, disk, ok := d.env.Scheme.ParseDisk(t)
	if !ok {
		return fmt.Errorf("not a disk topic")
	}
	if len(payload) == 0 {
		return nil // a removed disk's retained document being cleared
	}
	doc, err := wire.DecodeDisk(payload)
	if err != nil {
		return err
	}
	d.in.Put(device+"/"+disk, diskMsg{device, disk, doc})
	return nil
}

// load rebuilds every tracker from the stored history, so a hub restart
// keeps trends.
func (d *Service) load(ctx context.Context) error {
	refs, err := d.env.Store.Disks(ctx)
	if err != nil {
		return err
	}
	for _, r := range refs {
		h, err := d.env.Store.History(ctx, r.Device, r.Disk)
		if err != nil {
			return err
		}
		s := &diskState{tracker: predict.NewTracker(d.model, r.Model), model: r.Model}
		for _, row := range h {
			s.last, s.known, s.reading = s.tracker.Observe(row.Obs), true, row
		}
		d.state[diskKey{r.Device, r.Disk}] = s
	}
	if len(refs) > 0 {
		d.env.Log.Info("disk history loaded", "disks", len(refs))
	}
	return nil
}

// Run handles disk documents until ctx ends.
func (d *Service) Run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			d.repub.Wait()
			d.flush()
			return nil
		case <-d.resend:
			d.sendPending(ctx)
			d.sent = map[diskKey]bool{}
			d.publishAll(ctx)
		case sent := <-d.repub.Done():
			for k, ok := range sent {
				d.sent[k] = ok // a failed one goes again with the disk's next document
			}
		case m := <-d.in.C():
			d.observe(ctx, m)
		case <-d.in.More():
			for _, m := range d.in.Overflow() {
				d.observe(ctx, m)
			}
		}
	}
}

// obsFromDisk maps a disk document to a predictor observation; ok is
// false when the document carries no readings (standby, unavailable).
func obsFromDisk(doc wire.Disk) (predict.Obs, bool) {
	if doc.Status != wire.DiskOK || doc.PowerOnHours == nil {
		return predict.Obs{}, false
	}
	o := predict.Obs{Hour: float64(*doc.PowerOnHours)}
	for i, id := range predict.AttrIDs {
		o.Attr[i] = predict.NA
		if a, ok := doc.Attrs[smartattr.Key(id)]; ok {
			o.Attr[i] = int64(a.Count) //nolint:gosec // SMART counts fit
		}
	}
	o.DriveFailed = doc.Health.Known && !doc.Health.Passed
	if n := doc.NVMe; n != nil {
		o.NVMe, o.CriticalWarning, o.AvailableSpare, o.SpareThreshold = true, n.CriticalWarning, n.AvailableSpare, n.SpareThreshold
		o.PercentUsed, o.MediaErrors = n.PercentUsed, int64(n.MediaErrors) //nolint:gosec // counts fit
	}
	return o, true
}

func (d *Service) observe(ctx context.Context, m diskMsg) {
	key := diskKey{m.device, m.disk}
	d.serials[key] = m.doc.Serial
	o, ok := obsFromDisk(m.doc)
	if !ok {
		return
	}
	s := d.state[key]
	if s == nil {
		s = &diskState{tracker: predict.NewTracker(d.model, m.doc.Model), model: m.doc.Model}
		d.state[key] = s
	}
	r := store.Reading{Time: d.env.Now(), Model: m.doc.Model, Obs: o}
	if s.known && store.Same(s.reading, r) {
		d.save(ctx)                        // a chance to write what a failing store missed
		d.publish(ctx, key, s, predict.OK) // nothing new: keep the prediction fresh
		return
	}
	s.reading = r
	d.unsaved = append(d.unsaved, unsaved{key, r})
	d.save(ctx)
	prev := s.last.State
	v := s.tracker.Observe(o)
	s.last, s.known = v, true
	if v.State >= predict.Critical && prev < predict.Critical {
		d.entered(ctx, key, v) // first: the copy is what is urgent
	}
	d.publish(ctx, key, s, v.Alert)
	if v.State != prev {
		d.env.Log.Info("disk prediction changed", "device", m.device, "disk", m.disk, "from", prev, "to", v.State, "p30", fmt.Sprintf("%.3f", v.P30), "reasons", v.Reasons)
	}
}

// discovery is the prediction config of disk k, on the HA device its
// serial names.
func (d *Service) discovery(k diskKey, serial string) feature.Outgoing {
	sc := d.env.Scheme
	return feature.Outgoing{Topic: sc.NodeDiscovery(topic.HubID, topic.PredictionNode(k.device, k.disk)),
		V: discovery.PredictionPayload(topic.HubID, k.device, k.disk, serial, d.env.Version, sc), Retain: true}
}

// prediction is a disk's prediction document.
func (d *Service) prediction(s *diskState) wire.Prediction {
	reasons := s.last.Reasons
	if reasons == nil {
		reasons = []string{}
	}
	return wire.Prediction{V: 1, TS: d.env.Now().Unix(), State: s.last.State.String(), P30: s.last.P30, P90: s.last.P90,
		Within48h: s.last.Within48h, Reasons: reasons, Model: s.model}
}

// publishAll republishes every disk's discovery and prediction (after a
// connect or HA's birth), paced beside the loop.
func (d *Service) publishAll(ctx context.Context) {
	keys := map[int]diskKey{}
	var msgs []feature.Outgoing
	sc := d.env.Scheme
	for k, s := range d.state {
		if serial, seen := d.serials[k]; seen {
			keys[len(msgs)] = k
			msgs = append(msgs, d.discovery(k, serial))
		}
		msgs = append(msgs, feature.Outgoing{Topic: sc.HubDisk(k.device, k.disk), V: d.prediction(s), Retain: true})
	}
	for _, k := range keys {
		d.sent[k] = true // on its way: a document arriving meanwhile does not send it again
	}
	d.repub.Start(ctx, d.env, msgs, keys)
}

// publish sends discovery (once per connection, once the agent's document
// named the disk's HA device), the prediction, and the HA device trigger
// of alert (predict.OK: none).
func (d *Service) publish(ctx context.Context, key diskKey, s *diskState, alert predict.State) {
	device, disk := key.device, key.disk
	if serial, seen := d.serials[key]; seen && !d.sent[key] {
		if m := d.discovery(key, serial); d.env.Send(ctx, m.Topic, m.V, m.Retain) {
			d.sent[key] = true
		}
	}
	d.env.Send(ctx, d.env.Scheme.HubDisk(device, disk), d.prediction(s), true)
	if alert > predict.OK {
		tr := map[predict.State]string{predict.Watch: discovery.TriggerDiskWatch, predict.Critical: discovery.TriggerDiskCritical, predict.Failing: discovery.TriggerDiskFailing}[alert]
		d.env.Fire(ctx, d.env.Scheme.HubDiskTrigger(device, disk), []byte(tr))
	}
}
