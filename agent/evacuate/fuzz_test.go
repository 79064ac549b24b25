package evacuate

import (
	"strings"
	"testing"
)

func FuzzParseProgress(f *testing.F) {
	for _, s := range []string{"  1,234,567  45%   12.34MB/s    0:01:23 (xfr#5, to-chk=10/20)", "x", "1 1% 1/s 1:1:1:1", " 9 100% 0/s 99999999:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if p, ok := ParseProgress(s); ok && (p.Percent < 0 || p.Percent > 100 || p.ETA < 0) {
			t.Errorf("ParseProgress(%q) = %+v", s, p)
		}
	})
}

func FuzzParseMounts(f *testing.F) {
	f.Add(mountsText)
	f.Add("/dev/x \\04 y\n/dev/\\134\\")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMounts(strings.NewReader(s))
		for _, x := range m {
			if err == nil && !strings.HasPrefix(x.Source, "/dev/") {
				t.Errorf("source %q", x.Source)
			}
		}
	})
}

func FuzzParseShares(f *testing.F) {
	f.Add("[a]\npath = /x\n[global]\npath=/y\n")
	f.Add("[b\\\n]\npath=\\")
	f.Fuzz(func(t *testing.T, s string) {
		shares, err := ParseShares(strings.NewReader(s))
		if err == nil {
			for name := range shares {
				if strings.EqualFold(name, "global") {
					t.Errorf("global is not a share: %v", shares)
				}
			}
		}
	})
}
