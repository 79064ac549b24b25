package winservice

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// LogFile is a log file that rotates by size: when a write would take it
// past max bytes, name becomes name.1 (name.1 becomes name.2, and so on up
// to keep files), and a new name is started. A service has no console, so
// its log lines and its exit error go here.
type LogFile struct {
	mu   sync.Mutex
	name string
	max  int64
	keep int
	f    *os.File
	size int64
}

// OpenLog opens (appending) or creates name and its directory.
func OpenLog(name string, max int64, keep int) (*LogFile, error) {
	if err := os.MkdirAll(filepath.Dir(name), 0o750); err != nil {
		return nil, fmt.Errorf("creating the log directory: %w", err)
	}
	l := &LogFile{name: name, max: max, keep: max0(keep)}
	if err := l.open(); err != nil {
		return nil, err
	}
	return l, nil
}

func max0(n int) int {
	if n < 0 {
		return 0
	}
	return n
}

func (l *LogFile) open() error {
	f, err := os.OpenFile(l.name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("opening the log file: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("opening the log file: %w", err)
	}
	l.f, l.size = f, st.Size()
	return nil
}

// Write appends p, rotating first when p would not fit. A single write
// larger than the limit still goes whole into a fresh file.
func (l *LogFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return 0, os.ErrClosed
	}
	if l.size > 0 && l.size+int64(len(p)) > l.max {
		if err := l.rotate(); err != nil {
			return 0, err
		}
	}
	n, err := l.f.Write(p)
	l.size += int64(n)
	return n, err
}

func (l *LogFile) rotate() error {
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("rotating the log file: %w", err)
	}
	l.f = nil
	if l.keep == 0 {
		if err := os.Remove(l.name); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("rotating the log file: %w", err)
		}
		return l.open()
	}
	_ = os.Remove(fmt.Sprintf("%s.%d", l.name, l.keep))
	for i := l.keep - 1; i >= 1; i-- {
		_ = os.Rename(fmt.Sprintf("%s.%d", l.name, i), fmt.Sprintf("%s.%d", l.name, i+1))
	}
	if err := os.Rename(l.name, l.name+".1"); err != nil {
		return fmt.Errorf("rotating the log file: %w", err)
	}
	return l.open()
}

// Close closes the file.
func (l *LogFile) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
