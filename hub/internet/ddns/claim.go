package ddns

import (
	"context"
	"net/netip"
	"time"

	"github.com/homefleet/homefleet/hub/feature"
)

// claimRetry is how soon a write another hub may be doing is asked again.
const claimRetry = 15 * time.Second

// claim asks the hubs' duty journal for writing want to e (each address
// once; a forced write is an occasion of its own). Another hub having
// written it already, e takes it as pushed without a second write.
func (m *Manager) claim(ctx context.Context, e *entry, want netip.Addr, now time.Time) (next time.Time, granted bool) {
	if m.opt.Claim == nil {
		return time.Time{}, true
	}
	occasion := want.String()
	if e.force {
		occasion += " forced at " + now.UTC().Format(time.RFC3339Nano)
	}
	switch m.opt.Claim(ctx, "ddns/"+e.rec.Key(), occasion) {
	case feature.Act:
		return time.Time{}, true
	case feature.Done:
		e.force, e.changedAt = false, time.Time{}
		e.st.Pushed, e.st.PushedAt, e.st.LastError, e.st.NextTry, e.st.InSync = want, now, "", time.Time{}, !e.rec.Verify
		if e.rec.Verify {
			e.verifyUntil, e.nextVerify, e.poll, e.mismatches = now.Add(m.opt.VerifyTimeout), now, verifyPollFirst, 0
		}
		m.opt.Log.Info("ddns record already written by the leading hub", "record", e.rec.Key(), "addr", want)
		m.save(ctx, e)
		return now.Add(m.opt.VerifyInterval), false
	default:
		return now.Add(claimRetry), false
	}
}
