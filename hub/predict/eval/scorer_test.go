package eval

import (
	"bytes"
	"encoding/csv"
	"hash/fnv"
	"sort"
	"strconv"
	"testing"
)

// independent re-scores an alerts CSV from scratch, sharing nothing with
// score but the drives' rows: for each drive inside [from, to) of its
// power-on axis, a failure is detected when an alert of the level falls
// lo-hi days before it; a drive is a false drive when an alert is not
// followed by its failure within hi days (alerts whose hi days run past
// the drive's data, on a drive that did not fail, are not judged).
// Critical counts the critical rows, Watch both levels.
type independent struct {
	fdr, falsePer100DY, precision float64
}

func rescore(t *testing.T, drives []*Drive, alertsCSV []byte, span func(*Drive) (float64, float64), watch bool) independent {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(alertsCSV)).ReadAll()
	if err != nil || len(rows) == 0 || rows[0][0] != "serial" || rows[0][1] != "hour" || rows[0][2] != "level" {
		t.Fatalf("alerts CSV: %v, header %v", err, rows)
	}
	at := map[string][]float64{}
	for _, r := range rows[1:] {
		h, err := strconv.ParseFloat(r[1], 64)
		if err != nil {
			t.Fatalf("alert hour %q: %v", r[1], err)
		}
		if r[2] == "critical" || (watch && r[2] == "watch") {
			at[r[0]] = append(at[r[0]], h)
		}
	}
	const day = 24.0
	lo, hi := 2*day, 30*day
	if watch {
		lo, hi = 7*day, 90*day
	}
	var fails, caught, falseDrives, good, bad int
	hours := 0.0
	for _, d := range drives {
		from, to := span(d)
		first, last := d.Rows[0].TStart, d.Rows[len(d.Rows)-1].TStop
		from, to = max(from, first), min(to, last)
		if to <= from {
			continue
		}
		hours += to - from
		failed := d.Failed && last <= to
		if failed {
			fails++
		}
		hs := at[d.Serial]
		sort.Float64s(hs)
		isFalse, hit := false, false
		for _, h := range hs {
			if h < from || h >= to {
				t.Fatalf("alert %s at %.0f outside the window [%.0f, %.0f)", d.Serial, h, from, to)
			}
			switch {
			case failed && last-h <= hi:
				good++
				hit = hit || last-h >= lo
			case !failed && to-h < hi:
			default:
				bad++
				isFalse = true
			}
		}
		if hit {
			caught++
		}
		if isFalse {
			falseDrives++
		}
	}
	return independent{
		fdr:           float64(caught) / float64(fails),
		falsePer100DY: 100 * float64(falseDrives) / (hours / (365 * day)),
		precision:     float64(good) / float64(good+bad),
	}
}

// heldOutBy is fold 4 computed here: FNV-1a 32 of the serial mod 5.
func heldOutBy(d *Drive) bool {
	h := fnv.New32a()
	h.Write([]byte(d.Serial))
	return h.Sum32()%5 == 4
}
