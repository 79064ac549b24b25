package feature

import (
	"context"
	"sync"
	"time"
)

// Outgoing is one document to publish.
type Outgoing struct {
	Topic  string
	V      any
	Retain bool
}

// inFlight bounds the publishes SendMany keeps waiting for their
// acknowledgements at once.
const inFlight = 32

// RepublishOver is how evenly the hub spreads a republish of many
// documents (after HA's birth): with the features starting within the
// hub's 1 s spread, everything is at the broker within 5 s, and no second
// carries more than a small share of the storm.
const RepublishOver = 3 * time.Second

// SendMany publishes msgs evenly over the duration over (0: at once),
// with up to 32 awaiting the broker's acknowledgement at once, and
// reports which were sent. One after another, each waits a round trip;
// after HA's birth, with the broker busy with every agent republishing,
// that is 20-30 ms each, and the hub's Wake and prediction configs of 100
// devices took 3-4 s; all at once, they were 40 % of the storm's busiest
// second.
func (e Env) SendMany(ctx context.Context, msgs []Outgoing, over time.Duration) []bool {
	ok := make([]bool, len(msgs))
	sem := make(chan struct{}, inFlight)
	var wg sync.WaitGroup
	start := time.Now()
	for i, m := range msgs {
		if over > 0 {
			at := start.Add(over * time.Duration(i) / time.Duration(len(msgs)))
			select {
			case <-time.After(time.Until(at)):
			case <-ctx.Done():
			}
		}
		sem <- struct{}{}
		wg.Go(func() { // owned here: SendMany returns when every publish ended
			defer func() { <-sem }()
			ok[i] = e.Send(ctx, m.Topic, m.V, m.Retain)
		})
	}
	wg.Wait()
	return ok
}

// Republisher runs a feature's republish (a paced SendMany) beside its
// loop, so the loop keeps answering while the documents trickle out, and
// hands the results back to the loop. A new republish supersedes one
// still running (HA's birth during the one after a connect): the old one
// stops and reports nothing, so no document goes out twice in one storm.
// The loop owns it: Start from the loop, read Done in its select, Wait
// when it ends.
type Republisher[K comparable] struct {
	done   chan map[K]bool
	wg     sync.WaitGroup
	cancel context.CancelFunc // the running republish's; the loop's only
	over   time.Duration      // RepublishOver (tests: 0)
}

// NewRepublisher makes a republisher whose results come on Done.
func NewRepublisher[K comparable]() *Republisher[K] {
	return &Republisher[K]{done: make(chan map[K]bool, 1), over: RepublishOver}
}

// Start publishes msgs paced over RepublishOver, superseding a running
// one; keys[i] names msgs[i] in the result (messages without a key are
// not reported).
func (r *Republisher[K]) Start(ctx context.Context, e Env, msgs []Outgoing, keys map[int]K) {
	if r.cancel != nil {
		r.cancel()
	}
	rctx, cancel := context.WithCancel(ctx)
	r.cancel = cancel
	r.wg.Go(func() {
		ok := e.SendMany(rctx, msgs, r.over)
		if rctx.Err() != nil {
			return // superseded or ended: its unsent documents are the next one's
		}
		out := map[K]bool{}
		for i, k := range keys {
			out[k] = ok[i]
		}
		select {
		case r.done <- out:
		case <-rctx.Done():
		}
	})
}

// Done delivers each finished republish's results.
func (r *Republisher[K]) Done() <-chan map[K]bool { return r.done }

// Wait returns once every republish ended (after the loop's ctx ended).
func (r *Republisher[K]) Wait() { r.wg.Wait() }
