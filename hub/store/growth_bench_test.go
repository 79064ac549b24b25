package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/homefleet/homefleet/hub/predict"
)

// BenchmarkYearOfFiftyDevices fills a store with a year of 50 devices of
// 4 disks each, a row per disk per hour (the worst case: the store keeps a
// row only when a SMART count changes, which real disks do a few times a
// year), through the real insert statement in one transaction per day, and
// reports the file's size per device-day and for the year, and how long
// the queries the hub makes take at that size: the last row (every disk
// document), a disk's whole history (start-up) and the disk list.
func BenchmarkYearOfFiftyDevices(b *testing.B) {
	const devices, disks, days = 50, 4, 365
	for b.Loop() {
		path := filepath.Join(b.TempDir(), "hub.db")
		s, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var n int
		for day := range days {
			tx, err := s.db.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			for dev := range devices {
				for d := range disks {
					for h := range 24 {
						var r Reading
						r.Time, r.Model = start.Add(time.Duration(day*24+h)*time.Hour), "WDC WD40EFRX-68N32N0"
						r.Obs.Hour = float64(20000 + day*24 + h)
						for i := range r.Obs.Attr {
							r.Obs.Attr[i] = int64(day*24 + h)
						}
						r.Obs.Attr[predict.A10] = predict.NA
						args := append([]any{fmt.Sprintf("dev%02d", dev), fmt.Sprintf("disk%d", d), r.Time.Unix(), r.Obs.Hour}, values(r)...)
						if _, err := tx.ExecContext(ctx, insertRow, args...); err != nil {
							b.Fatal(err)
						}
						n++
					}
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := s.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			b.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if _, _, err := s.last(ctx, "dev25", "disk2"); err != nil {
			b.Fatal(err)
		}
		lastQ := time.Since(t0)
		t0 = time.Now()
		h, err := s.History(ctx, "dev25", "disk2")
		if err != nil || len(h) != days*24 {
			b.Fatalf("history: %d rows, %v", len(h), err)
		}
		historyQ := time.Since(t0)
		t0 = time.Now()
		if refs, err := s.Disks(ctx); err != nil || len(refs) != devices*disks {
			b.Fatalf("disks: %d, %v", len(refs), err)
		}
		disksQ := time.Since(t0)
		b.ReportMetric(float64(fi.Size())/(1<<20), "MB_per_year")
		b.ReportMetric(float64(fi.Size())/float64(devices*days)/1024, "KB_per_device_day")
		b.ReportMetric(float64(fi.Size())/float64(n), "B_per_row")
		b.ReportMetric(float64(lastQ.Microseconds())/1000, "ms_last_row")
		b.ReportMetric(float64(historyQ.Microseconds())/1000, "ms_disk_history")
		b.ReportMetric(float64(disksQ.Microseconds())/1000, "ms_disk_list")
		_ = s.Close()
	}
}
