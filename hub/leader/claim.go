package leader

import (
	"context"
	"encoding/json"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/homefleet/homefleet/hub/feature"
)

// Claimed is one duty's journal entry in etcd, under <prefix>duty/<key>:
// the last occasion done, by whom, and the fence it was granted under.
type Claimed struct {
	Occasion string    `json:"occasion"`
	By       string    `json:"by"`
	Lease    string    `json:"lease"`
	Revision int64     `json:"revision"` // the leader key's create revision
	At       time.Time `json:"at"`
}

// claimTimeout bounds each etcd round trip of a claim; an unanswered
// claim waits (nothing is done without the journal entry).
const claimTimeout = 2 * time.Second

// Claim implements feature.Duty. It reads the duty's entry; an entry for
// this occasion is Done. Otherwise the leader writes its own in one
// transaction that holds only while its election key still has the
// revision it won with (the fence: a deposed or expired leader's write
// fails) and the entry is unchanged since read (two claims of one
// occasion cannot both pass). The entry is the intent, written before
// the action: a leader killed between the two leaves the action undone,
// never done twice.
func (m *Member) Claim(ctx context.Context, key, occasion string) feature.Outcome {
	ctx, cancel := context.WithTimeout(ctx, claimTimeout)
	defer cancel()
	dk := m.cfg.Prefix + "duty/" + key
	prev, modRev, err := m.read(ctx, dk)
	if err != nil {
		m.env.Log.Debug("claim not read; waiting", "duty", key, "err", err)
		return feature.Wait
	}
	if prev.Occasion == occasion {
		return feature.Done
	}
	t := m.current()
	if t == nil {
		return feature.Wait
	}
	entry, err := json.Marshal(Claimed{Occasion: occasion, By: m.cfg.Name, Lease: leaseHex(t.lease), Revision: t.rev, At: m.env.Now().UTC()})
	if err != nil {
		return feature.Wait
	}
	resp, err := m.cli.Txn(ctx).If(
		clientv3.Compare(clientv3.CreateRevision(t.key), "=", t.rev),
		clientv3.Compare(clientv3.ModRevision(dk), "=", modRev),
	).Then(clientv3.OpPut(dk, string(entry))).Commit()
	switch {
	case err != nil:
		m.env.Log.Warn("claim not written; the action waits", "duty", key, "occasion", occasion, "err", err)
		return feature.Wait
	case resp.Succeeded:
		return feature.Act
	}
	if now, _, err := m.read(ctx, dk); err == nil && now.Occasion == occasion {
		return feature.Done // another claim of this occasion passed first
	}
	m.env.Log.Warn("claim refused: this hub no longer leads", "duty", key, "occasion", occasion, "member", m.cfg.Name)
	return feature.Wait
}

// read returns a duty's entry and its mod revision (0: none yet).
func (m *Member) read(ctx context.Context, dk string) (Claimed, int64, error) {
	r, err := m.cli.Get(ctx, dk)
	if err != nil {
		return Claimed{}, 0, err //nolint:wrapcheck // logged by the caller with the duty
	}
	if len(r.Kvs) == 0 {
		return Claimed{}, 0, nil
	}
	var c Claimed
	_ = json.Unmarshal(r.Kvs[0].Value, &c) // a garbled entry is no occasion: claimable
	return c, r.Kvs[0].ModRevision, nil
}
