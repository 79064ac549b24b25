package winservice

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLogFileRotatesBySizeAndKeepsTheNewest(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ProgramData", "homefleet")
	name := filepath.Join(dir, "agent.log")
	l, err := OpenLog(name, 1000, 2)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for i := range 90 {
		line := fmt.Sprintf("line %03d %s\n", i, strings.Repeat("x", 40)) // 50 bytes
		lines = append(lines, line)
		if _, err := l.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	var got string
	for _, f := range []string{name + ".2", name + ".1", name} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 1000 {
			t.Errorf("%s holds %d bytes, over the 1000 limit", f, len(b))
		}
		got += string(b)
	}
	if _, err := os.Stat(name + ".3"); !os.IsNotExist(err) {
		t.Errorf("a third rotated file is kept: %v", err)
	}
	// The three files hold the newest 50 lines, in order, none split.
	if want := strings.Join(lines[40:], ""); got != want {
		t.Errorf("rotated files hold\n%s\nwant the last 50 lines", got)
	}
	// Reopening appends to the current file.
	l, err = OpenLog(name, 1000, 2)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = l.Write([]byte("after restart\n"))
	_ = l.Close()
	if b, _ := os.ReadFile(name); !strings.HasPrefix(string(b), lines[80]) || !strings.HasSuffix(string(b), "after restart\n") {
		t.Errorf("reopened file:\n%s", b)
	}
	if _, err := l.Write([]byte("x")); err == nil {
		t.Error("a write after Close succeeded")
	}
}
