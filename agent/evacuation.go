package agent

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/homefleet/homefleet/agent/evacuate"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/wire"
)

// ErrEvacuate refuses an evacuation request; the message says why.
var ErrEvacuate = errors.New("evacuation refused")

// evacuation copies a disk's data off it on request (cmd/evacuate/<disk>,
// sent by the hub when the disk enters Critical or Failing, or by HA's
// Evacuate data button), one copy per disk at a time, in goroutines owned
// by the agent. Every request is journaled before its copy starts, so the
// same request never copies twice and a copy cut short by a restart
// resumes (rsync --partial) when the agent starts again.
type evacuation struct {
	cfg     config.Evacuate
	journal *evacuate.Journal
	mu      sync.Mutex
	mounts  map[string][]string        // disk key -> mount points, from the disk loop
	docs    map[string]wire.Evacuation // disk key -> latest document, republished on connect
	running map[string]bool            // disk keys being copied
	wg      sync.WaitGroup
}

func newEvacuation(cfg config.Evacuate) (*evacuation, error) {
	if !cfg.Configured() {
		return nil, nil //nolint:nilnil // off: no evacuation
	}
	j, err := evacuate.OpenJournal(cfg.Journal)
	if err != nil {
		return nil, err
	}
	return &evacuation{cfg: cfg, journal: j, mounts: map[string][]string{}, docs: map[string]wire.Evacuation{}, running: map[string]bool{}}, nil
}

// known records where a disk's data lives (the disk loop, after a read).
func (e *evacuation) known(key string, mounts []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.mounts[key] = mounts
	if _, ok := e.docs[key]; !ok {
		e.docs[key] = wire.Evacuation{V: wire.EvacuationVersion, State: wire.EvacuationIdle, Mounts: nonNil(mounts), Destination: e.cfg.Destination}
	}
}

// latest are the documents to republish, by disk key.
func (e *evacuation) latest() map[string]wire.Evacuation {
	e.mu.Lock()
	defer e.mu.Unlock()
	return maps.Clone(e.docs)
}

// publishEvacuation keeps doc as the disk's latest and publishes it.
func (a *Agent) publishEvacuation(ctx context.Context, key string, doc wire.Evacuation) {
	a.evac.mu.Lock()
	a.evac.docs[key] = doc
	a.evac.mu.Unlock()
	a.send(ctx, a.opts.Scheme.Evacuation(a.opts.ID, key), doc, true)
}

// startEvacuation checks the request and starts the copy; a refusal is
// also the disk's evacuation document, so HA shows why.
func (a *Agent) startEvacuation(ctx context.Context, key string, cmd wire.Command) error {
	e := a.evac
	if e == nil {
		return fmt.Errorf("%w: evacuate is not configured in this agent's config (evacuate.destination)", ErrEvacuate)
	}
	now := a.opts.Now()
	rec, err := e.admit(key, cmd.ID, now)
	if err == nil {
		rec.Bytes, err = evacuate.CheckRoom(e.cfg.Destination, rec.Mounts)
		if err == nil {
			rec.Args, err = evacuate.Expand(e.cfg.Command, evacuate.Vars{Mounts: rec.Mounts, Host: a.opts.ID, Disk: key, Dest: e.cfg.Destination})
		}
		if err == nil {
			err = e.journal.Put(rec) // the intent, before anything is copied
		}
		if err != nil {
			e.release(key)
		}
	}
	if err != nil {
		if !errors.Is(err, errBusy) && !errors.Is(err, errAlready) { // a running or finished copy keeps its document
			a.publishEvacuation(ctx, key, wire.Evacuation{V: wire.EvacuationVersion, TS: now.Unix(), State: wire.EvacuationRefused, ID: cmd.ID,
				Mounts: nonNil(rec.Mounts), Destination: e.cfg.Destination, Total: rec.Bytes, Reason: err.Error()})
		}
		return fmt.Errorf("%w: %w", ErrEvacuate, err)
	}
	a.runEvacuation(ctx, rec)
	return nil
}

var (
	errBusy    = errors.New("a copy of this disk is running")
	errAlready = errors.New("already carried out; it is not run twice")
)

// admit reserves the disk for request id: refused when the disk is unknown
// or has nothing mounted, already copying, or the request was journaled.
func (e *evacuation) admit(key, id string, now time.Time) (evacuate.Record, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	mounts, ok := e.mounts[key]
	rec := evacuate.Record{ID: id, Disk: key, Mounts: slices.Clone(mounts), State: evacuate.Running, Started: now.Unix()}
	switch {
	case !ok:
		return rec, fmt.Errorf("disk %q is not a disk of this machine", key)
	case len(mounts) == 0:
		return rec, fmt.Errorf("disk %q has no mounted filesystem to copy", key)
	case e.running[key]:
		return rec, errBusy
	}
	if id == "" { // a press of HA's button: the user's own request, every time
		rec.ID = fmt.Sprintf("manual-%s-%d", key, now.Unix())
	} else if prev, seen := e.journal.Get(id); seen {
		return rec, fmt.Errorf("request %s: %w (%s, started %s)", id, errAlready, prev.State, time.Unix(prev.Started, 0).UTC().Format(time.RFC3339))
	}
	e.running[key] = true
	return rec, nil
}

func (e *evacuation) release(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.running, key)
}

// resume restarts the copies the journal says were running when the
// agent stopped, with the same command (rsync --partial picks up).
func (a *Agent) resumeEvacuations(ctx context.Context) {
	if a.evac == nil {
		return
	}
	for _, rec := range a.evac.journal.Unfinished() {
		rec.Resumes++
		a.evac.mu.Lock()
		a.evac.running[rec.Disk] = true
		a.evac.mu.Unlock()
		if err := a.evac.journal.Put(rec); err != nil {
			a.opts.Log.Error("evacuation not resumed", "disk", rec.Disk, "request", rec.ID, "err", err)
			a.evac.release(rec.Disk)
			continue
		}
		a.opts.Log.Info("resuming evacuation", "disk", rec.Disk, "request", rec.ID, "resumes", rec.Resumes)
		a.runEvacuation(ctx, rec)
	}
}

// progressEvery limits the progress documents of one copy.
const progressEvery = time.Second

// runEvacuation copies in a goroutine owned by the agent (it ends with
// ctx); progress and the result are the disk's evacuation document, the
// result also an event.
func (a *Agent) runEvacuation(ctx context.Context, rec evacuate.Record) {
	e := a.evac
	doc := wire.Evacuation{V: wire.EvacuationVersion, TS: a.opts.Now().Unix(), State: wire.EvacuationRunning, ID: rec.ID,
		Mounts: rec.Mounts, Destination: e.cfg.Destination, Total: rec.Bytes, Started: rec.Started}
	a.publishEvacuation(ctx, rec.Disk, doc)
	a.opts.Log.Info("evacuating disk", "disk", rec.Disk, "request", rec.ID, "mounts", rec.Mounts, "to", e.cfg.Destination)
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		defer e.release(rec.Disk)
		cctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
		defer cancel()
		var last time.Time
		err := evacuate.Copy(cctx, rec.Args, func(p evacuate.Progress) {
			doc.Bytes, doc.Percent, doc.ETASeconds = p.Bytes, p.Percent, int64(p.ETA/time.Second)
			if now := time.Now(); now.Sub(last) >= progressEvery || p.Percent == 100 {
				last = now
				doc.TS = a.opts.Now().Unix()
				a.publishEvacuation(ctx, rec.Disk, doc)
			}
		})
		if ctx.Err() != nil {
			return // the agent is stopping: the journal keeps it running, to resume
		}
		rec.Finished, rec.Bytes, rec.State, rec.Reason = a.opts.Now().Unix(), doc.Bytes, evacuate.Done, ""
		doc.State, doc.ETASeconds, doc.Finished, doc.TS = wire.EvacuationDone, 0, rec.Finished, rec.Finished
		if err != nil {
			rec.State, rec.Reason = evacuate.Failed, err.Error()
			doc.State, doc.Reason = wire.EvacuationFailed, err.Error()
		}
		if jerr := e.journal.Put(rec); jerr != nil {
			a.opts.Log.Error("evacuation journal", "disk", rec.Disk, "request", rec.ID, "err", jerr)
		}
		a.opts.Log.Info("evacuation finished", "disk", rec.Disk, "request", rec.ID, "ok", err == nil, "bytes", doc.Bytes, "err", err)
		a.publishEvacuation(ctx, rec.Disk, doc)
		a.send(ctx, a.opts.Scheme.Event(a.opts.ID), wire.Event{V: 1, TS: rec.Finished, Type: "evacuation", Verb: "evacuate/" + rec.Disk,
			ID: rec.ID, OK: err == nil, Reason: doc.Reason}, false)
	}()
}

// wait returns once every copy ended.
func (e *evacuation) wait() {
	if e != nil {
		e.wg.Wait()
	}
}
