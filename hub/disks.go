package hub

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/hub/predict"
	"github.com/homefleet/homefleet/hub/store"
	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// Prediction is the hub's document on homefleet/hub/disk/<device>/<disk>.
type Prediction struct {
	V         int      `json:"v"`
	TS        int64    `json:"ts"`
	State     string   `json:"state"`
	P30       float64  `json:"p30"`
	P90       float64  `json:"p90"`
	Within48h bool     `json:"within_48h"`
	Reasons   []string `json:"reasons"`
	Model     string   `json:"model,omitempty"`
}

type diskMsg struct {
	device, disk string
	doc          wire.Disk
}

type diskKey struct{ device, disk string }

type diskState struct {
	tracker *predict.Tracker
	last    predict.Verdict
	model   string
	known   bool // a verdict exists
}

// disks stores disk history and publishes predictions. Messages are
// queued by the MQTT handler and handled by run, which owns all state.
type disks struct {
	sc      topic.Scheme
	version string
	log     *slog.Logger
	st      *store.Store
	model   *predict.Model
	now     func() time.Time
	in      chan diskMsg
	resend  chan struct{}

	state map[diskKey]*diskState // owned by run (load fills it before)
	sent  map[diskKey]bool       // discovery published since the last connect
}

func newDisks(sc topic.Scheme, version string, st *store.Store, m *predict.Model, log *slog.Logger) *disks {
	return &disks{sc: sc, version: version, log: log, st: st, model: m, now: time.Now,
		in: make(chan diskMsg, 256), resend: make(chan struct{}, 1),
		state: map[diskKey]*diskState{}, sent: map[diskKey]bool{}}
}

func (d *disks) connected() { nudge(d.resend) }

// handle queues a disk document; bad ones are refused with a reason.
func (d *disks) handle(t string, payload []byte, _ bool) error {
	device, disk, ok := d.sc.ParseDisk(t)
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
	select {
	case d.in <- diskMsg{device, disk, doc}:
		return nil
	default:
		return fmt.Errorf("disk queue full, document of %s/%s dropped", device, disk)
	}
}

// load rebuilds every tracker from the stored history, so a hub restart
// keeps trends.
func (d *disks) load(ctx context.Context) error {
	refs, err := d.st.Disks(ctx)
	if err != nil {
		return err
	}
	for _, r := range refs {
		h, err := d.st.History(ctx, r.Device, r.Disk)
		if err != nil {
			return err
		}
		s := &diskState{tracker: predict.NewTracker(d.model, r.Model), model: r.Model}
		for _, row := range h {
			s.last, s.known = s.tracker.Observe(row.Obs), true
		}
		d.state[diskKey{r.Device, r.Disk}] = s
	}
	if len(refs) > 0 {
		d.log.Info("disk history loaded", "disks", len(refs))
	}
	return nil
}

func (d *disks) run(ctx context.Context, pub publisher) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-d.resend:
			d.sent = map[diskKey]bool{}
			for k, s := range d.state {
				d.publish(ctx, pub, k, s, predict.OK)
			}
		case m := <-d.in:
			d.observe(ctx, pub, m)
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
		if a, ok := doc.Attrs["a"+strconv.Itoa(id)]; ok {
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

func (d *disks) observe(ctx context.Context, pub publisher, m diskMsg) {
	o, ok := obsFromDisk(m.doc)
	if !ok {
		return
	}
	key := diskKey{m.device, m.disk}
	s := d.state[key]
	if s == nil {
		s = &diskState{tracker: predict.NewTracker(d.model, m.doc.Model), model: m.doc.Model}
		d.state[key] = s
	}
	written, err := d.st.Record(ctx, m.device, m.disk, store.Reading{Time: d.now(), Model: m.doc.Model, Obs: o})
	if err != nil {
		d.log.Error("storing disk history", "device", m.device, "disk", m.disk, "err", err)
	}
	if !written && s.known {
		d.publish(ctx, pub, key, s, predict.OK) // nothing new: keep the prediction fresh
		return
	}
	prev := s.last.State
	v := s.tracker.Observe(o)
	s.last, s.known = v, true
	d.publish(ctx, pub, key, s, v.Alert)
	if v.State != prev {
		d.log.Info("disk prediction changed", "device", m.device, "disk", m.disk, "from", prev, "to", v.State, "p30", fmt.Sprintf("%.3f", v.P30), "reasons", v.Reasons)
	}
}

// publish sends discovery (once per connection), the prediction, and
// the HA device trigger of alert (predict.OK: none).
func (d *disks) publish(ctx context.Context, pub publisher, key diskKey, s *diskState, alert predict.State) {
	device, disk := key.device, key.disk
	if !d.sent[key] {
		p := discovery.PredictionPayload(DeviceID, device, disk, d.version, d.sc)
		if d.send(ctx, pub, d.sc.Discovery(discovery.DiskDeviceID(device, disk)+"_prediction"), p, true) {
			d.sent[key] = true
		}
	}
	reasons := s.last.Reasons
	if reasons == nil {
		reasons = []string{}
	}
	d.send(ctx, pub, d.sc.HubDisk(device, disk), Prediction{
		V: 1, TS: d.now().Unix(), State: s.last.State.String(), P30: s.last.P30, P90: s.last.P90,
		Within48h: s.last.Within48h, Reasons: reasons, Model: s.model,
	}, true)
	if alert > predict.OK {
		tr := map[predict.State]string{predict.Watch: discovery.TriggerDiskWatch, predict.Critical: discovery.TriggerDiskCritical, predict.Failing: discovery.TriggerDiskFailing}[alert]
		if err := pub.Publish(ctx, d.sc.HubDiskTrigger(device, disk), []byte(tr), false); err != nil {
			d.log.Warn("firing disk trigger", "device", device, "disk", disk, "trigger", tr, "err", err)
		}
	}
}

func (d *disks) send(ctx context.Context, pub publisher, t string, v any, retain bool) bool {
	if err := mqttc.PublishJSON(ctx, pub, t, v, retain); err != nil {
		d.log.Debug("hub publish failed; will resend on reconnect", "topic", t, "err", err)
		return false
	}
	return true
}
