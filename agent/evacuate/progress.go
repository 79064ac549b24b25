package evacuate

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"
	"time"
)

// Progress is how far a copy got.
type Progress struct {
	Bytes   uint64        // copied so far
	Percent int           // 0-100
	ETA     time.Duration // rsync's estimate of the time left (0: unknown)
}

// ParseProgress reads one rsync --info=progress2 line:
//
//	1,234,567  45%   12.34MB/s    0:01:23 (xfr#5, to-chk=10/20)
//
// ok is false for any other line (file names, warnings, the summary).
func ParseProgress(line string) (Progress, bool) {
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasSuffix(f[1], "%") || !strings.HasSuffix(f[2], "/s") {
		return Progress{}, false
	}
	n, err := strconv.ParseUint(strings.ReplaceAll(f[0], ",", ""), 10, 64)
	if err != nil {
		return Progress{}, false
	}
	pct, err := strconv.Atoi(strings.TrimSuffix(f[1], "%"))
	if err != nil || pct < 0 || pct > 100 {
		return Progress{}, false
	}
	eta, ok := clock(f[3])
	if !ok {
		return Progress{}, false
	}
	return Progress{Bytes: n, Percent: pct, ETA: eta}, true
}

// clock parses h:mm:ss (or m:ss) into a duration.
func clock(s string) (time.Duration, bool) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	var d time.Duration
	for _, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || v > 1_000_000 {
			return 0, false
		}
		d = d*60 + time.Duration(v)
	}
	return d * time.Second, true
}

// splitLines splits on \n and on \r: rsync redraws its progress line
// with carriage returns.
func splitLines(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// follow calls onProgress for every progress line of r and keeps the last
// other lines (for the error), until r ends.
func follow(r io.Reader, onProgress func(Progress), tail *tailBuffer) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 64*1024)
	sc.Split(splitLines)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := ParseProgress(line); ok {
			onProgress(p)
			continue
		}
		if strings.TrimSpace(line) != "" {
			tail.add(line)
		}
	}
	_, _ = io.Copy(io.Discard, r) // a line too long: keep draining so the command does not block
}

// tailBuffer keeps the last lines of output.
type tailBuffer struct{ lines []string }

func (t *tailBuffer) add(l string) {
	if t.lines = append(t.lines, l); len(t.lines) > 5 {
		t.lines = t.lines[1:]
	}
}

func (t *tailBuffer) String() string {
	s := strings.Join(t.lines, "; ")
	if len(s) > 300 {
		s = "…" + s[len(s)-300:]
	}
	return s
}
