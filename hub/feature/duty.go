package feature

import "context"

// Outcome is what a hub may do about one of its singleton actions: a
// schedule's command, a DDNS write, a wake, an evacuation.
type Outcome int

// The outcomes of a claim.
const (
	// Act: do it now. The claim is journaled as this hub's (with the
	// leader's lease and revision) before the action.
	Act Outcome = iota
	// Done: a leader already did it for this occasion. Do not repeat it;
	// carry on as if it was done here.
	Done
	// Wait: this hub is not the leader and nobody did it yet. Do nothing
	// now and ask again later (the leader will, or this hub once it leads).
	Wait
)

func (o Outcome) String() string {
	switch o {
	case Act:
		return "act"
	case Done:
		return "done"
	default:
		return "wait"
	}
}

// Duty decides which hub runs the singleton duties. A hub alone leads
// and acts on every claim (Solo); hubs failing over on etcd lead one at
// a time, and a claim is granted once per key and occasion across them.
type Duty interface {
	// Leading reports whether this hub runs the singleton duties now
	// (public IP checks, predictions, commands from HA).
	Leading() bool
	// Claim asks to do the action key (schedule/backup/job) for occasion
	// (the window's start, the address to write): Act once across the
	// hubs, Done after, Wait on a follower before.
	Claim(ctx context.Context, key, occasion string) Outcome
}

// Solo is the hub alone: it always leads and acts. Its own journals (the
// store's) keep a restarted hub from repeating an action.
type Solo struct{}

// Leading implements Duty.
func (Solo) Leading() bool { return true }

// Claim implements Duty.
func (Solo) Claim(context.Context, string, string) Outcome { return Act }

// Leading reports whether this hub runs the singleton duties (a hub
// without Duty leads).
func (e Env) Leading() bool { return e.Duty == nil || e.Duty.Leading() }

// Claim asks e's Duty for an action (a hub without one acts).
func (e Env) Claim(ctx context.Context, key, occasion string) Outcome {
	if e.Duty == nil {
		return Act
	}
	return e.Duty.Claim(ctx, key, occasion)
}
