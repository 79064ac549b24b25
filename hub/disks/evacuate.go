package disks

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/homefleet/homefleet/hub/feature"
	"github.com/homefleet/homefleet/hub/predict"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// journalNS is the store namespace of the hub's evacuation requests.
const journalNS = "evacuation"

// evacRequest is one journaled request to copy a disk's data off it: the
// intent is written before the command is sent, the outcome (sent) after;
// a request whose intent has no outcome is sent again on start, with the
// same id, which the agent's own journal runs at most once.
type evacRequest struct {
	Device string `json:"device"`
	Disk   string `json:"disk"`
	ID     string `json:"id"`
	Since  int64  `json:"since"` // unix seconds the disk entered Critical or Failing
	Sent   bool   `json:"sent"`
}

func (r evacRequest) key() string { return r.Device + "/" + r.Disk + "/" + r.ID }

// loadEvacuations reads the requests not yet sent.
func (d *Service) loadEvacuations(ctx context.Context) error {
	docs, err := d.env.Store.Docs(ctx, journalNS)
	if err != nil {
		return err
	}
	for _, b := range docs {
		var r evacRequest
		if err := json.Unmarshal(b, &r); err != nil {
			d.env.Log.Warn("evacuation journal entry unreadable; skipped", "err", err)
			continue
		}
		if !r.Sent {
			d.pending = append(d.pending, r)
		}
	}
	slices.SortFunc(d.pending, func(a, b evacRequest) int { return strings.Compare(a.key(), b.key()) })
	return nil
}

// entered acts on a disk entering Critical or Failing (from OK or Watch):
// ask says so on the hub's event topic, for an HA notification next to
// the disk's Evacuate data button; auto journals a request and sends it.
func (d *Service) entered(ctx context.Context, key diskKey, v predict.Verdict) {
	reasons := strings.Join(v.Reasons, "; ")
	switch {
	case d.policy == config.EvacuateOff:
		return
	case !d.env.Leading():
		return // the leading hub saw the same crossing and acts on it
	case d.policy == config.EvacuateAsk:
		d.env.Send(ctx, d.env.Scheme.Event(topic.HubID), wire.Event{V: 1, TS: d.env.Now().Unix(), Type: "evacuation_suggested",
			Verb: "evacuate/" + key.device + "/" + key.disk, OK: true,
			Reason: fmt.Sprintf("%s disk %s is %s: %s. Press Evacuate data on the disk's device to copy its data off (predict.evacuate: auto does it by itself)",
				key.device, key.disk, v.State, reasons)}, false)
		return
	}
	since := d.env.Now().Unix()
	r := evacRequest{Device: key.device, Disk: key.disk, ID: fmt.Sprintf("evac-%s-%d", key.disk, since), Since: since}
	if d.env.Claim(ctx, "evacuate/"+r.Device+"/"+r.Disk, r.ID) != feature.Act {
		d.env.Log.Warn("evacuation not requested: this hub no longer leads", "device", key.device, "disk", key.disk)
		return
	}
	if err := d.journal(ctx, r); err != nil {
		d.env.Log.Error("evacuation not requested: the journal cannot be written", "device", key.device, "disk", key.disk, "err", err)
		return
	}
	d.env.Log.Warn("disk entered "+v.State.String()+": evacuating its data", "device", key.device, "disk", key.disk, "request", r.ID, "reasons", reasons)
	d.pending = append(d.pending, r)
	d.sendPending(ctx)
}

// journal writes r (the intent, or with Sent its outcome).
func (d *Service) journal(ctx context.Context, r evacRequest) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encoding the evacuation request: %w", err)
	}
	return d.env.Store.SaveDoc(ctx, journalNS, r.key(), b)
}

// sendPending sends every journaled request not yet sent; one that fails
// stays pending for the next connect.
func (d *Service) sendPending(ctx context.Context) {
	var left []evacRequest
	for _, r := range d.pending {
		cmd := wire.Command{ID: r.ID, TS: d.env.Now().Unix()}
		if !d.env.Send(ctx, d.env.Scheme.Evacuate(r.Device, r.Disk), cmd, false) {
			left = append(left, r)
			continue
		}
		r.Sent = true
		if err := d.journal(ctx, r); err != nil {
			d.env.Log.Error("evacuation sent but its outcome not journaled (the agent refuses a second copy)", "request", r.ID, "err", err)
		}
	}
	d.pending = left
}
