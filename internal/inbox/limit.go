package inbox

import (
	"bytes"
	"fmt"
	"sync"
	"time"
)

// Limit is the per-topic rate limit of commands.
type Limit struct {
	// Repeat: the same payload again on a topic within this long of the
	// last admitted one is a double press (20 identical presses in a
	// second run once).
	Repeat time.Duration
	// Burst commands may arrive at once on a topic; then one more per
	// Refill (a token bucket).
	Burst  int
	Refill time.Duration
}

// DefaultLimit: a repeat within 1 s is dropped; 5 at once, then 1 a second.
var DefaultLimit = Limit{Repeat: time.Second, Burst: 5, Refill: time.Second} //nolint:gochecknoglobals // a value

type rate struct {
	last    []byte
	lastAt  time.Time
	tokens  float64
	updated time.Time
}

type rates struct {
	limit  Limit
	mu     sync.Mutex
	topics map[string]*rate
}

// maxTopics bounds the memory a client inventing topics can take; the
// table starts over when it is full (a reset only forgives, never blocks).
const maxTopics = 4096

func (r *rates) allow(t string, payload []byte, now time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.topics[t]
	if st == nil {
		if len(r.topics) >= maxTopics {
			r.topics = map[string]*rate{}
		}
		st = &rate{tokens: float64(r.limit.Burst), updated: now}
		r.topics[t] = st
	}
	if st.last != nil && bytes.Equal(st.last, payload) && now.Sub(st.lastAt) < r.limit.Repeat {
		return fmt.Errorf("%w: the same command again within %s", ErrTooFrequent, r.limit.Repeat)
	}
	if el := now.Sub(st.updated); el > 0 && r.limit.Refill > 0 {
		st.tokens = min(float64(r.limit.Burst), st.tokens+float64(el)/float64(r.limit.Refill))
	}
	st.updated = now
	if st.tokens < 1 {
		return fmt.Errorf("%w: more than %d at once, then one per %s", ErrTooFrequent, r.limit.Burst, r.limit.Refill)
	}
	st.tokens--
	st.last, st.lastAt = append(st.last[:0], payload...), now
	return nil
}
