package disks

import (
	"context"
	"time"

	"github.com/homefleet/homefleet/hub/store"
)

// unsaved is a reading waiting for the store.
type unsaved struct {
	key diskKey
	r   store.Reading
}

// maxUnsaved bounds the readings kept while the store cannot write: at one
// changed reading per disk a day, years of a home fleet; beyond it the
// oldest go (and the log says so).
const maxUnsaved = 100_000

// save writes the waiting readings in order and stops at the first
// failure: a full or read-only disk keeps them for the next try, and the
// predictions go on from memory meanwhile. The store reports its own
// health (the hub's state and event topic say why it cannot write).
func (d *Service) save(ctx context.Context) {
	for len(d.unsaved) > 0 {
		u := d.unsaved[0]
		if _, err := d.env.Store.Record(ctx, u.key.device, u.key.disk, u.r); err != nil {
			d.env.Log.Debug("disk history not written yet", "device", u.key.device, "disk", u.key.disk, "waiting", len(d.unsaved), "err", err)
			if n := len(d.unsaved) - maxUnsaved; n > 0 {
				d.env.Log.Warn("the history store has been failing long: dropping the oldest unsaved readings", "dropped", n)
				d.unsaved = d.unsaved[n:]
			}
			return
		}
		d.unsaved = d.unsaved[1:]
	}
	d.unsaved = nil // give the backing array back
}

// flushWithin is how long a stopping hub tries to write what it kept.
const flushWithin = 5 * time.Second

// flush is the last save of a stopping hub (its own context has ended);
// what still cannot be written is lost, and the log says how much.
func (d *Service) flush() {
	if len(d.unsaved) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), flushWithin)
	defer cancel()
	d.save(ctx)
	if n := len(d.unsaved); n > 0 {
		d.env.Log.Warn("stopping with disk history the store could not write", "lost", n, "err", d.env.Store.Failing())
	}
}
