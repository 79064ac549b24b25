package memtrim

import (
	"errors"
	"runtime"
	"testing"
)

// TestExecutable trims this test binary's code pages and keeps running:
// every dropped page must fault back in from the file.
func TestExecutable(t *testing.T) {
	n, err := Executable()
	if runtime.GOOS != "linux" {
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("want ErrUnsupported, got %v", err)
		}
		return
	}
	if err != nil || n == 0 {
		t.Fatalf("advised %d bytes, err %v", n, err)
	}
	s := 0
	for i := range 1000 {
		s += i
	}
	if s != 499500 {
		t.Fatal("code misbehaves after trimming")
	}
}
