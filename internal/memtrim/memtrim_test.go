package memtrim

import (
	"bufio"
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

// TestExecutable trims this test binary's code pages: the resident size
// of its read-only mappings drops, and the code keeps running (every
// dropped page faults back in from the file).
func TestExecutable(t *testing.T) {
	if runtime.GOOS != "linux" {
		if _, err := Executable(); !errors.Is(err, ErrUnsupported) {
			t.Errorf("want ErrUnsupported, got %v", err)
		}
		return
	}
	before := exeRSS(t)
	n, err := Executable()
	if err != nil || n == 0 {
		t.Fatalf("advised %d bytes, err %v", n, err)
	}
	after := exeRSS(t)
	t.Logf("read-only executable mappings resident: %d kB before, %d kB after (%d kB advised)", before, after, n>>10)
	if after >= before {
		t.Errorf("resident size of the executable's read-only mappings did not drop: %d kB -> %d kB", before, after)
	}
	s := 0
	for i := range 1000 {
		s += i
	}
	if s != 499500 {
		t.Fatal("code misbehaves after trimming")
	}
}

// exeRSS sums the Rss (kB) of this executable's read-only mappings, from
// /proc/self/smaps.
func exeRSS(t *testing.T) int {
	t.Helper()
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	total, ours := 0, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) >= 6 && strings.Contains(fields[0], "-"):
			ours = fields[5] == exe && !strings.Contains(fields[1], "w")
		case len(fields) == 3 && fields[0] == "Rss:" && ours:
			kb, _ := strconv.Atoi(fields[1])
			total += kb
		}
	}
	return total
}
