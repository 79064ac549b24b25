package memtrim

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

const (
	madvRandom   = 1 // no fault-around or readahead: map only pages touched
	madvDontneed = 4 // drop resident pages; file-backed pages fault back in
)

// Executable marks the executable's read-only mappings (code, rodata)
// MADV_RANDOM and drops their resident pages. These mappings are never
// written, so a dropped page is read back from the file on its next use;
// only pages the daemon keeps touching return. It returns the number of
// bytes advised.
func Executable() (int, error) {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return 0, fmt.Errorf("finding the executable: %w", err)
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0, fmt.Errorf("reading mappings: %w", err)
	}
	defer f.Close()
	total := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[5] != exe || strings.Contains(fields[1], "w") {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		for _, advice := range []uintptr{madvRandom, madvDontneed} {
			if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, uintptr(start), uintptr(end-start), advice); e != 0 {
				return total, fmt.Errorf("madvise %s: %w", fields[0], e)
			}
		}
		total += int(end - start)
	}
	if err := sc.Err(); err != nil {
		return total, fmt.Errorf("reading mappings: %w", err)
	}
	return total, nil
}
