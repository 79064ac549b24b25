// Package eval scores the predictor on the Backblaze start-stop history:
// it replays every drive in time order (the predictor sees only the
// past), against held-out drives and a time split, next to a baseline.
package eval

import (
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/homefleet/homefleet/hub/predict"
)

// ErrData is returned for a data file that is not the expected table.
var ErrData = errors.New("bad evaluation data")

// Row is one start-stop period of constant SMART values.
type Row struct {
	TStart, TStop float64 // power-on hours
	Attr          [predict.NumAttrs]int64
}

// Drive is one drive's history.
type Drive struct {
	Serial, Model string
	MinDate       time.Time
	MinHours      float64
	Failed        bool
	Rows          []Row
}

// FailHour is the power-on hour of failure (tstop of the last row).
func (d *Drive) FailHour() float64 { return d.Rows[len(d.Rows)-1].TStop }

// Start and End bound the observed exposure.
func (d *Drive) Start() float64 { return d.Rows[0].TStart }

// End is the last observed hour.
func (d *Drive) End() float64 { return d.Rows[len(d.Rows)-1].TStop }

// DateAt converts power-on hours to a date.
func (d *Drive) DateAt(h float64) time.Time {
	return d.MinDate.Add(time.Duration((h - d.MinHours) * float64(time.Hour)))
}

// HeldOut reports the held-out fold: FNV-1a 32 of the serial mod 5 == 4.
func (d *Drive) HeldOut() bool {
	h := fnv.New32a()
	h.Write([]byte(d.Serial))
	return h.Sum32()%5 == 4
}

// columns are the CSV columns read: the drive and interval, then one
// smart_<id> per predictor attribute.
var columns = func() []string { //nolint:gochecknoglobals // fixed table
	c := []string{"serial_number", "model", "min_date", "min_hours", "tstart", "tstop", "fails"}
	for _, id := range predict.AttrIDs {
		c = append(c, "smart_"+strconv.Itoa(int(id)))
	}
	return c
}()

// Load reads the gzipped CSV; rows of a drive must be contiguous and in
// time order, as in the published file.
func Load(path string) ([]*Drive, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening data: %w", err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrData, path, err)
		}
		defer gz.Close()
		r = gz
	}
	return parse(r)
}

func parse(r io.Reader) ([]*Drive, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: reading header: %w", ErrData, err)
	}
	idx := map[string]int{}
	for i, h := range head {
		idx[h] = i
	}
	col := make([]int, len(columns))
	for i, c := range columns {
		j, ok := idx[c]
		if !ok {
			return nil, fmt.Errorf("%w: column %q missing", ErrData, c)
		}
		col[i] = j
	}
	var drives []*Drive
	var cur *Drive
	line := 1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %w", ErrData, line, err)
		}
		serial := rec[col[0]]
		if cur == nil || cur.Serial != serial {
			cur = &Drive{Serial: serial, Model: rec[col[1]]}
			if cur.MinDate, err = time.Parse("2006-01-02", rec[col[2]]); err != nil {
				return nil, fmt.Errorf("%w: line %d: min_date %q", ErrData, line, rec[col[2]])
			}
			if cur.MinHours, err = strconv.ParseFloat(rec[col[3]], 64); err != nil {
				return nil, fmt.Errorf("%w: line %d: min_hours %q", ErrData, line, rec[col[3]])
			}
			drives = append(drives, cur)
		}
		var row Row
		if row.TStart, err = strconv.ParseFloat(rec[col[4]], 64); err != nil {
			return nil, fmt.Errorf("%w: line %d: tstart %q", ErrData, line, rec[col[4]])
		}
		if row.TStop, err = strconv.ParseFloat(rec[col[5]], 64); err != nil {
			return nil, fmt.Errorf("%w: line %d: tstop %q", ErrData, line, rec[col[5]])
		}
		if rec[col[6]] == "1" {
			cur.Failed = true
		}
		for k := range predict.NumAttrs {
			s := rec[col[7+k]]
			if s == "" || s == "NA" {
				row.Attr[k] = predict.NA
				continue
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || v < 0 {
				return nil, fmt.Errorf("%w: line %d: %s = %q", ErrData, line, columns[7+k], s)
			}
			row.Attr[k] = int64(v)
		}
		cur.Rows = append(cur.Rows, row)
	}
	if len(drives) == 0 {
		return nil, fmt.Errorf("%w: no rows", ErrData)
	}
	return drives, nil
}

// obs converts a row to the predictor's observation at its start.
func obs(r Row) predict.Obs { return predict.Obs{Hour: r.TStart, Attr: r.Attr} }
