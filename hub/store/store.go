// Package store keeps the hub's history in embedded SQLite (pure-Go
// driver, WAL): one row per disk only when a SMART value changes, so
// years of history stay small.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver

	"github.com/homefleet/homefleet/hub/predict"
	"github.com/homefleet/homefleet/internal/secret"
	"github.com/homefleet/homefleet/internal/smartattr"
)

// ErrStore wraps every storage failure.
var ErrStore = errors.New("history store")

// Store is the hub's history database.
type Store struct {
	db     *sql.DB
	health health
	// redact masks known secrets in every text document written (an
	// error quoting a provider's reply); nil masks nothing.
	redact *secret.Redactor
}

// Redact makes the store mask r's secrets in what it writes.
func (s *Store) Redact(r *secret.Redactor) { s.redact = r }

// Reading is one stored SMART observation of a disk.
type Reading struct {
	Time  time.Time
	Model string
	Obs   predict.Obs
}

// DiskRef names a disk with history.
type DiskRef struct {
	Device, Disk, Model string
}

// attrCols are the predictor attributes' columns (a5, a10...), from
// smartattr; schema, insert and select are built from them.
var attrCols = func() []string { //nolint:gochecknoglobals // fixed table
	var c []string
	for _, id := range predict.AttrIDs {
		c = append(c, smartattr.Key(id))
	}
	return c
}()

var schema = `
CREATE TABLE IF NOT EXISTS disk_history (
	device TEXT NOT NULL,
	disk   TEXT NOT NULL,
	ts     INTEGER NOT NULL,
	model  TEXT NOT NULL,
	hour   REAL NOT NULL,
	` + strings.Join(attrCols, " INTEGER, ") + ` INTEGER,
	failed INTEGER NOT NULL,
	nvme INTEGER NOT NULL,
	crit_warning INTEGER NOT NULL,
	spare INTEGER NOT NULL,
	spare_threshold INTEGER NOT NULL,
	pct_used INTEGER NOT NULL,
	media_errors INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS disk_history_key ON disk_history (device, disk, hour);
CREATE TABLE IF NOT EXISTS disk_index (
	device TEXT NOT NULL,
	disk   TEXT NOT NULL,
	model  TEXT NOT NULL,
	PRIMARY KEY (device, disk)
);
CREATE TRIGGER IF NOT EXISTS disk_index_on_insert AFTER INSERT ON disk_history BEGIN
	INSERT OR REPLACE INTO disk_index (device, disk, model) VALUES (NEW.device, NEW.disk, NEW.model);
END;
INSERT OR IGNORE INTO disk_index (device, disk, model)
	SELECT device, disk, MAX(model) FROM disk_history WHERE NOT EXISTS (SELECT 1 FROM disk_index) GROUP BY device, disk;
` //nolint:gochecknoglobals // built once from attrCols

// disk_index lists every disk with history and its latest model, kept by
// a trigger in the insert's own transaction: listing the disks at start
// grouped every row before (0.8 s for a year of hourly rows of 200
// disks). A store from before it is indexed once when opened.

// Open opens (creating) the database at path; ":memory:" keeps it in RAM.
func Open(path string) (*Store, error) {
	// WAL with synchronous=FULL: every commit is fsynced before it
	// returns, so a committed row (a disk reading, a journaled intent)
	// survives a SIGKILL and a power cut alike. NORMAL would survive the
	// kill but may lose the last commits to a power cut; the hub writes a
	// row only when a value changes, so the fsync per commit is cheap.
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=synchronous(FULL)"
	if path == ":memory:" {
		dsn = "file::memory:?_pragma=busy_timeout(5000)"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("%w: opening %s: %w", ErrStore, path, err)
	}
	db.SetMaxOpenConns(1) // one writer; also keeps :memory: a single database
	if _, err := db.Exec(schema); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("%w: creating schema in %s: %w", ErrStore, path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("%w: closing: %w", ErrStore, err)
	}
	return nil
}

func values(r Reading) []any {
	o := r.Obs
	v := []any{r.Model}
	for _, a := range o.Attr {
		v = append(v, a)
	}
	return append(v, o.DriveFailed, o.NVMe, int(o.CriticalWarning), o.AvailableSpare, o.SpareThreshold, o.PercentUsed, o.MediaErrors)
}

// record stores r for device/disk when any value differs from the last
// stored row (power-on hours alone do not count). It reports whether a
// row was written.
func (s *Store) record(ctx context.Context, device, disk string, r Reading) (bool, error) {
	last, ok, err := s.last(ctx, device, disk)
	if err != nil {
		return false, err
	}
	if ok && Same(last, r) {
		return false, nil
	}
	args := append([]any{device, disk, r.Time.Unix(), r.Obs.Hour}, values(r)...)
	_, err = s.db.ExecContext(ctx, insertRow, args...)
	if err != nil {
		return false, fmt.Errorf("%w: recording %s/%s: %w", ErrStore, device, disk, err)
	}
	return true, nil
}

// Same reports whether two readings hold the same values (the time and
// the power-on hours aside): a row is stored only when they differ.
func Same(a, b Reading) bool {
	va, vb := values(a), values(b)
	for i := range va {
		if va[i] != vb[i] {
			return false
		}
	}
	return true
}

const stateCols = `failed, nvme, crit_warning, spare, spare_threshold, pct_used, media_errors`

var (
	selectCols = `ts, hour, model, ` + strings.Join(attrCols, ", ") + `, ` + stateCols //nolint:gochecknoglobals // built once
	insertRow  = `INSERT INTO disk_history (device, disk, ts, hour, model, ` + strings.Join(attrCols, ", ") + `, ` + stateCols +
		`) VALUES (?` + strings.Repeat(",?", 4+len(attrCols)+7) + `)` //nolint:gochecknoglobals // built once
)

func scan(row interface{ Scan(...any) error }) (Reading, error) {
	var r Reading
	var ts int64
	var cw int
	dst := []any{&ts, &r.Obs.Hour, &r.Model}
	for i := range r.Obs.Attr {
		dst = append(dst, &r.Obs.Attr[i])
	}
	dst = append(dst, &r.Obs.DriveFailed, &r.Obs.NVMe, &cw, &r.Obs.AvailableSpare, &r.Obs.SpareThreshold, &r.Obs.PercentUsed, &r.Obs.MediaErrors)
	if err := row.Scan(dst...); err != nil {
		return Reading{}, err
	}
	r.Time = time.Unix(ts, 0)
	r.Obs.CriticalWarning = uint8(cw) //nolint:gosec // stored from a uint8
	return r, nil
}

func (s *Store) last(ctx context.Context, device, disk string) (Reading, bool, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+selectCols+` FROM disk_history
		WHERE device = ? AND disk = ? ORDER BY hour DESC, rowid DESC LIMIT 1`, device, disk)
	r, err := scan(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Reading{}, false, nil
	}
	if err != nil {
		return Reading{}, false, fmt.Errorf("%w: reading last row of %s/%s: %w", ErrStore, device, disk, err)
	}
	return r, true, nil
}

// History returns a disk's rows in time order.
func (s *Store) History(ctx context.Context, device, disk string) ([]Reading, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+selectCols+` FROM disk_history
		WHERE device = ? AND disk = ? ORDER BY hour, rowid`, device, disk)
	if err != nil {
		return nil, fmt.Errorf("%w: reading history of %s/%s: %w", ErrStore, device, disk, err)
	}
	defer rows.Close()
	var out []Reading
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%w: scanning history: %w", ErrStore, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%w: reading history: %w", ErrStore, err)
	}
	return out, nil
}

// Disks lists every disk with history.
func (s *Store) Disks(ctx context.Context) ([]DiskRef, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT device, disk, model FROM disk_index ORDER BY device, disk`)
	if err != nil {
		return nil, fmt.Errorf("%w: listing disks: %w", ErrStore, err)
	}
	defer rows.Close()
	var out []DiskRef
	for rows.Next() {
		var d DiskRef
		if err := rows.Scan(&d.Device, &d.Disk, &d.Model); err != nil {
			return nil, fmt.Errorf("%w: listing disks: %w", ErrStore, err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%w: listing disks: %w", ErrStore, err)
	}
	return out, nil
}

const scheduleSchema = `CREATE TABLE IF NOT EXISTS schedule_state (
	name       TEXT PRIMARY KEY,
	enabled    INTEGER NOT NULL,
	last_fired INTEGER NOT NULL
)`

// ScheduleState is a schedule's persisted switch and last run.
type ScheduleState struct {
	Enabled   bool
	LastFired time.Time // the scheduled time of the last run (zero: never)
}

// Schedule reads a schedule's state; a schedule never saved is enabled.
func (s *Store) Schedule(ctx context.Context, name string) (ScheduleState, error) {
	if _, err := s.db.ExecContext(ctx, scheduleSchema); err != nil {
		return ScheduleState{}, fmt.Errorf("%w: schedule table: %w", ErrStore, err)
	}
	var enabled bool
	var last int64
	err := s.db.QueryRowContext(ctx, `SELECT enabled, last_fired FROM schedule_state WHERE name = ?`, name).Scan(&enabled, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return ScheduleState{Enabled: true}, nil
	}
	if err != nil {
		return ScheduleState{}, fmt.Errorf("%w: reading schedule %s: %w", ErrStore, name, err)
	}
	st := ScheduleState{Enabled: enabled}
	if last > 0 {
		st.LastFired = time.Unix(last, 0)
	}
	return st, nil
}

// saveSchedule stores a schedule's state.
func (s *Store) saveSchedule(ctx context.Context, name string, st ScheduleState) error {
	if _, err := s.db.ExecContext(ctx, scheduleSchema); err != nil {
		return fmt.Errorf("%w: schedule table: %w", ErrStore, err)
	}
	var last int64
	if !st.LastFired.IsZero() {
		last = st.LastFired.Unix()
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO schedule_state (name, enabled, last_fired) VALUES (?, ?, ?)
		ON CONFLICT(name) DO UPDATE SET enabled = excluded.enabled, last_fired = excluded.last_fired`, name, st.Enabled, last)
	if err != nil {
		return fmt.Errorf("%w: saving schedule %s: %w", ErrStore, name, err)
	}
	return nil
}

const wakeSchema = `CREATE TABLE IF NOT EXISTS wake_targets (
	device TEXT PRIMARY KEY,
	net    TEXT NOT NULL
)`

// saveWakeTarget keeps a device's network identity (the JSON document),
// so a sleeping device can be woken after the hub and its broker restart.
func (s *Store) saveWakeTarget(ctx context.Context, device string, netDoc []byte) error {
	if _, err := s.db.ExecContext(ctx, wakeSchema); err != nil {
		return fmt.Errorf("%w: wake table: %w", ErrStore, err)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO wake_targets (device, net) VALUES (?, ?)
		ON CONFLICT(device) DO UPDATE SET net = excluded.net`, device, string(s.redact.Bytes(netDoc)))
	if err != nil {
		return fmt.Errorf("%w: saving wake target %s: %w", ErrStore, device, err)
	}
	return nil
}

// WakeTargets returns every stored network identity by device.
func (s *Store) WakeTargets(ctx context.Context) (map[string][]byte, error) {
	if _, err := s.db.ExecContext(ctx, wakeSchema); err != nil {
		return nil, fmt.Errorf("%w: wake table: %w", ErrStore, err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT device, net FROM wake_targets`)
	if err != nil {
		return nil, fmt.Errorf("%w: reading wake targets: %w", ErrStore, err)
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var dev, doc string
		if err := rows.Scan(&dev, &doc); err != nil {
			return nil, fmt.Errorf("%w: reading wake targets: %w", ErrStore, err)
		}
		out[dev] = []byte(doc)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%w: reading wake targets: %w", ErrStore, err)
	}
	return out, nil
}
