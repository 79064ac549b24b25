package evacuate

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Run states, as the journal and the evacuation document name them.
const (
	Running = "running"
	Done    = "done"
	Failed  = "failed"
	Refused = "refused"
)

// Record is one evacuation in the journal: written before the copy
// starts (Running), rewritten when it ends.
type Record struct {
	ID       string   `json:"id"`   // the request's id: one per entry of a disk into Critical
	Disk     string   `json:"disk"` // disk key
	Args     []string `json:"args"` // the command as expanded at the start, re-run unchanged on resume
	Mounts   []string `json:"mounts"`
	State    string   `json:"state"`
	Started  int64    `json:"started"`
	Finished int64    `json:"finished,omitempty"`
	Bytes    uint64   `json:"bytes,omitempty"`
	Reason   string   `json:"reason,omitempty"`
	Resumes  int      `json:"resumes,omitempty"` // restarts after the agent stopped mid-copy
}

// Journal is the agent's record of evacuations, a JSON file rewritten
// atomically (temporary file, fsync, rename, fsync of the directory) on
// every change, so a power cut leaves the old or the new journal.
type Journal struct {
	path string
	mu   sync.Mutex
	recs map[string]Record
}

// OpenJournal reads the journal at path (a missing file is empty).
func OpenJournal(path string) (*Journal, error) {
	j := &Journal{path: path, recs: map[string]Record{}}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return j, nil
	case err != nil:
		return nil, fmt.Errorf("reading the evacuation journal: %w", err)
	}
	var list []Record
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("reading the evacuation journal %s: %w", path, err)
	}
	for _, r := range list {
		j.recs[r.ID] = r
	}
	return j, nil
}

// Get returns the record of id.
func (j *Journal) Get(id string) (Record, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	r, ok := j.recs[id]
	return r, ok
}

// Unfinished are the records still Running: copies the agent stopped in.
func (j *Journal) Unfinished() []Record {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []Record
	for _, r := range j.recs {
		if r.State == Running {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b Record) int { return cmp.Compare(a.Started, b.Started) })
	return out
}

// Put writes r (replacing the record of its id) and syncs the journal.
func (j *Journal) Put(r Record) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	prev, had := j.recs[r.ID]
	j.recs[r.ID] = r
	if err := j.save(); err != nil {
		if had {
			j.recs[r.ID] = prev
		} else {
			delete(j.recs, r.ID)
		}
		return err
	}
	return nil
}

func (j *Journal) save() error {
	list := make([]Record, 0, len(j.recs))
	for _, r := range j.recs {
		list = append(list, r)
	}
	slices.SortFunc(list, func(a, b Record) int {
		return cmp.Or(cmp.Compare(a.Started, b.Started), strings.Compare(a.ID, b.ID))
	})
	b, err := json.MarshalIndent(list, "", " ")
	if err != nil {
		return fmt.Errorf("encoding the evacuation journal: %w", err)
	}
	dir := filepath.Dir(j.path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("writing the evacuation journal: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".evacuations-*")
	if err != nil {
		return fmt.Errorf("writing the evacuation journal: %w", err)
	}
	defer os.Remove(tmp.Name()) //nolint:errcheck // gone after the rename
	_, werr := tmp.Write(append(b, '\n'))
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), j.path)
	}
	if werr != nil {
		return fmt.Errorf("writing the evacuation journal %s: %w", j.path, werr)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // the rename itself survives a power cut
		d.Close()
	}
	return nil
}
