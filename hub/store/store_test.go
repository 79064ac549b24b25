package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/homefleet/homefleet/hub/predict"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

func reading(hour float64, realloc int64) Reading {
	var o predict.Obs
	for i := range o.Attr {
		o.Attr[i] = predict.NA
	}
	o.Hour = hour
	o.Attr[predict.A5] = realloc
	o.Attr[predict.A197] = 0
	return Reading{Time: time.Unix(1700000000+int64(hour)*3600, 0), Model: "WDC WD40EFRX", Obs: o}
}

func TestRecordOnlyChanges(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hub.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	// A year of half-hourly reads of a steady disk, then two changes.
	written := 0
	for h := 0.0; h < 8760; h += 0.5 {
		if ok, err := s.Record(ctx, "nas", "wd-1", reading(h, 0)); err != nil {
			t.Fatal(err)
		} else if ok {
			written++
		}
	}
	for _, r := range []Reading{reading(8761, 8), reading(8762, 8), reading(8763, 24)} {
		if ok, err := s.Record(ctx, "nas", "wd-1", r); err != nil {
			t.Fatal(err)
		} else if ok {
			written++
		}
	}
	if written != 3 {
		t.Errorf("wrote %d rows for 17523 reads with 2 changes, want 3", written)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopen: nothing lost.
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h, err := s.History(ctx, "nas", "wd-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 3 || h[0].Obs.Hour != 0 || h[1].Obs.Attr[predict.A5] != 8 || h[2].Obs.Attr[predict.A5] != 24 || h[0].Obs.Attr[predict.A10] != predict.NA {
		t.Errorf("history %+v", h)
	}
	disks, err := s.Disks(ctx)
	if err != nil || len(disks) != 1 || disks[0].Model != "WDC WD40EFRX" {
		t.Errorf("disks %+v %v", disks, err)
	}
}

func TestMemoryStore(t *testing.T) {
	s, err := Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Record(context.Background(), "a", "b", reading(1, 0)); err != nil {
		t.Fatal(err)
	}
}

func TestOpenBadPath(t *testing.T) {
	if _, err := Open("/nonexistent/dir/hub.db"); err == nil {
		t.Error("want an error for an unwritable path")
	}
}

func TestDocs(t *testing.T) {
	path := t.TempDir() + "/hub.db"
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, doc := range []string{`{"a":1}`, `{"a":2}`} {
		if err := s.SaveDoc(ctx, "ddns", "home.example.com/A", []byte(doc)); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.SaveDoc(ctx, "other", "x", []byte(`{}`))
	_ = s.Close()
	s, _ = Open(path)
	defer s.Close()
	got, err := s.Docs(ctx, "ddns")
	if err != nil || len(got) != 1 || string(got["home.example.com/A"]) != `{"a":2}` {
		t.Fatalf("after reopen: %q %v", got, err)
	}
}

// TestDiskListFromAnOlderStore: a store written before the disk index
// (history rows, no index) lists its disks after Open, and new rows keep
// the index current.
func TestDiskListFromAnOlderStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hub.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i, key := range [][2]string{{"nas", "wd-1"}, {"nas", "wd-2"}, {"pc", "ssd"}} {
		if _, err := s.Record(ctx, key[0], key[1], reading(float64(i), 1000)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.db.ExecContext(ctx, "DROP TRIGGER disk_index_on_insert; DROP TABLE disk_index"); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	refs, err := s.Disks(ctx)
	if err != nil || len(refs) != 3 || refs[2].Device != "pc" || refs[2].Model == "" {
		t.Fatalf("disks after the upgrade: %+v, %v", refs, err)
	}
	if _, err := s.Record(ctx, "tv", "emmc", reading(1, 2000)); err != nil {
		t.Fatal(err)
	}
	if refs, _ := s.Disks(ctx); len(refs) != 4 {
		t.Errorf("a new disk is not listed: %+v", refs)
	}
}
