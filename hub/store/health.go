package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// health follows whether writes succeed: a full or read-only disk makes
// every write fail until space returns. SQLite refuses the write whole
// (SQLITE_FULL, SQLITE_READONLY) and the database stays consistent.
type health struct {
	mu      sync.Mutex
	failing error
	watch   func(error)
}

// OnHealth calls f when writing starts to fail (with the error) and when
// it works again (nil); f runs on the writer's goroutine and must not
// block.
func (s *Store) OnHealth(f func(error)) {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	s.health.watch = f
}

// Failing is the last write error while writes fail (nil: writing).
func (s *Store) Failing() error {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	return s.health.failing
}

// wrote notes a write's outcome and returns err. A canceled context is
// the hub stopping, not the store failing.
func (s *Store) wrote(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	s.health.mu.Lock()
	changed := (err == nil) != (s.health.failing == nil)
	s.health.failing = err
	f := s.health.watch
	s.health.mu.Unlock()
	if changed && f != nil {
		f(err)
	}
	return err
}

// Record stores r for device/disk when any value differs from the last
// stored row (power-on hours alone do not count). It reports whether a
// row was written.
func (s *Store) Record(ctx context.Context, device, disk string, r Reading) (bool, error) {
	written, err := s.record(ctx, device, disk, r)
	return written, s.wrote(err)
}

// SaveSchedule stores a schedule's state.
func (s *Store) SaveSchedule(ctx context.Context, name string, st ScheduleState) error {
	return s.wrote(s.saveSchedule(ctx, name, st))
}

// SaveWakeTarget keeps a device's network identity (the JSON document),
// so a sleeping device can be woken after the hub and its broker restart.
func (s *Store) SaveWakeTarget(ctx context.Context, device string, netDoc []byte) error {
	return s.wrote(s.saveWakeTarget(ctx, device, netDoc))
}

// SaveDoc keeps one JSON document under a namespace (ddns record states,
// the last public addresses, journals), replacing the previous one.
func (s *Store) SaveDoc(ctx context.Context, ns, key string, doc []byte) error {
	return s.wrote(s.saveDoc(ctx, ns, key, doc))
}

// IntegrityCheck runs SQLite's PRAGMA integrity_check: "ok", or what is
// wrong.
func (s *Store) IntegrityCheck(ctx context.Context) (string, error) {
	var out string
	if err := s.db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&out); err != nil {
		return "", fmt.Errorf("%w: integrity check: %w", ErrStore, err)
	}
	return out, nil
}
