package ddns

import (
	"context"
	"net/netip"
	"testing"
)

// TestWriteIsJournaledBeforeTheProviderHearsOfIt: the pending address is
// saved before the provider call and cleared with its outcome.
func TestWriteIsJournaledBeforeTheProviderHearsOfIt(t *testing.T) {
	var pendingAtCall netip.Addr
	saved := savedStates{}
	p := providerFunc(func(context.Context, Record, netip.Addr) error {
		pendingAtCall = saved[rec.Key()].Pending
		return nil
	})
	m, _, _, _ := setup(p, &zone{}, State{}, "h")
	m.store = saved
	m.SetAddr(4, ip1)
	m.Step(context.Background())
	if pendingAtCall != ip1 {
		t.Errorf("journaled pending at the call: %v, want %v", pendingAtCall, ip1)
	}
	if st := saved[rec.Key()]; st.Pending.IsValid() || st.Pushed != ip1 {
		t.Errorf("after the write: %+v", st)
	}
}

// TestInterruptedWriteIsNotRepeated: a hub killed during a write finds
// the pending address on start and takes it as pushed: the provider is
// not called again for it, and verify checks it.
func TestInterruptedWriteIsNotRepeated(t *testing.T) {
	r := &recorder{}
	z := &zone{}
	m, _, _, saved := setup(r, z, State{Pushed: ip2, Pending: ip1}, "h")
	m.SetAddr(4, ip1)
	m.Step(context.Background())
	if len(r.calls) != 0 {
		t.Errorf("the interrupted write was sent again: %v", r.calls)
	}
	if st := saved[rec.Key()]; st.Pushed != ip1 || st.Pending.IsValid() || !st.InSync || z.asked == 0 {
		t.Errorf("state %+v after %d verifications; want ip1 pushed and verified", st, z.asked)
	}
}

type providerFunc func(context.Context, Record, netip.Addr) error

func (f providerFunc) Update(ctx context.Context, r Record, a netip.Addr) error { return f(ctx, r, a) }
