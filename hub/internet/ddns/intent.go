package ddns

import "net/netip"

// interrupted takes the write the hub stopped in as applied: repeating a
// provider call that may have succeeded is what must not happen; with
// verify on, the authoritative servers then say whether it did (and a
// mismatch re-pushes, as after any write).
func (m *Manager) interrupted(e *entry) {
	m.opt.Log.Warn("ddns write interrupted by a stop; taking it as applied, not writing it again", "record", e.rec.Key(), "address", e.st.Pending, "verify", e.rec.Verify)
	now := m.opt.Now()
	e.st.Pushed, e.st.PushedAt, e.st.Pending, e.st.InSync = e.st.Pending, now, netip.Addr{}, !e.rec.Verify
	if e.rec.Verify {
		e.verifyUntil, e.nextVerify, e.poll, e.mismatches = now.Add(m.opt.VerifyTimeout), now, verifyPollFirst, 0
	}
}
