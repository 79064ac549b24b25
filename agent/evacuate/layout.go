// Package evacuate moves the data off a disk that is about to fail: it
// finds where the disk's data lives (its mounted filesystems and the SMB
// shares under them), checks the destination has room, runs the copy the
// agent's config defines (rsync by default), follows its progress, and
// journals every run so one entry into Critical copies once, a run cut
// short resumes, and nothing runs twice.
package evacuate

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Layout is where a disk's data lives.
type Layout struct {
	Mounts []string // mount points of the disk's filesystems, sorted
	Shares []string // SMB shares whose path lies on one of them, sorted
}

// Mount is one mounted filesystem: its source device and mount point.
type Mount struct{ Source, Point string }

// ParseMounts reads the /proc/self/mounts format ("source point type
// options 0 0", spaces in paths as \040); only sources under /dev count.
func ParseMounts(r io.Reader) ([]Mount, error) {
	var out []Mount
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || !strings.HasPrefix(f[0], "/dev/") {
			continue
		}
		out = append(out, Mount{Source: unescape(f[0]), Point: unescape(f[1])})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading mounts: %w", err)
	}
	return out, nil
}

// unescape undoes the kernel's octal escapes (\040 space, \011 tab,
// \012 newline, \134 backslash); anything else stays as written.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ParseShares reads smb.conf: each [section] with a path is a share
// (global, homes and printers are not). Keys are case-insensitive,
// comments start with # or ;, and "\" continues a line.
func ParseShares(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	section := ""
	sc := bufio.NewScanner(r)
	var cont string
	for sc.Scan() {
		line := cont + strings.TrimSpace(sc.Text())
		cont = ""
		if strings.HasSuffix(line, `\`) {
			cont = strings.TrimSuffix(line, `\`)
			continue
		}
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			end := strings.IndexByte(line, ']')
			if end < 0 {
				return nil, fmt.Errorf("smb.conf: section %q has no closing ]", line)
			}
			section = strings.TrimSpace(line[1:end])
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok || section == "" {
			continue
		}
		switch strings.ToLower(section) {
		case "global", "homes", "printers":
			continue
		}
		if strings.EqualFold(strings.Join(strings.Fields(key), " "), "path") {
			out[section] = strings.TrimSpace(val)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading smb.conf: %w", err)
	}
	return out, nil
}

// Under reports whether path is mount point or lies below it.
func Under(path, mount string) bool {
	path, mount = filepath.Clean(path), filepath.Clean(mount)
	if mount == "/" {
		return strings.HasPrefix(path, "/")
	}
	return path == mount || strings.HasPrefix(path, mount+string(filepath.Separator))
}

// Build joins the mounts of each disk (disksOf maps a mount's source to
// the whole disks under it) with the shares on them, by disk kernel name.
// A share belongs to the filesystem of its longest matching mount point.
func Build(mounts []Mount, shares map[string]string, disksOf func(source string) []string) map[string]Layout {
	out := map[string]Layout{}
	for _, m := range mounts {
		for _, d := range disksOf(m.Source) {
			l := out[d]
			if !slices.Contains(l.Mounts, m.Point) {
				l.Mounts = append(l.Mounts, m.Point)
			}
			out[d] = l
		}
	}
	for name, path := range shares {
		var best *Mount
		for i := range mounts {
			if Under(path, mounts[i].Point) && (best == nil || len(mounts[i].Point) > len(best.Point)) {
				best = &mounts[i]
			}
		}
		if best == nil {
			continue
		}
		for _, d := range disksOf(best.Source) {
			l := out[d]
			if !slices.Contains(l.Shares, name) {
				l.Shares = append(l.Shares, name)
			}
			out[d] = l
		}
	}
	for d, l := range out {
		slices.Sort(l.Mounts)
		slices.Sort(l.Shares)
		out[d] = l
	}
	return out
}
