// Package powertest has a power backend that records instead of acting,
// so no test ever suspends the machine. Import from tests only.
package powertest

import (
	"context"
	"fmt"

	"github.com/homefleet/homefleet/agent/power"
)

// Recorder is a power.Backend that records the verbs it is asked to do.
type Recorder struct {
	Offered   map[power.Verb]bool
	Inhibitor string // non-empty: Do refuses unless force
	Done      []string
}

// Can reports Offered[v].
func (r *Recorder) Can(_ context.Context, v power.Verb) (bool, error) { return r.Offered[v], nil }

// Do records v.
func (r *Recorder) Do(_ context.Context, v power.Verb, force bool) error {
	if r.Inhibitor != "" && !force {
		return fmt.Errorf("%s: %w: %s", v, power.ErrInhibited, r.Inhibitor)
	}
	r.Done = append(r.Done, string(v))
	return nil
}
