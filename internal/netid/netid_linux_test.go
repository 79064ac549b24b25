package netid

import (
	"strings"
	"testing"
)

func TestParseIfInet6(t *testing.T) {
	in := `20010db8000000000000000000001234 02 40 00 01     eth0
20010db8000000000000000000000005 02 40 00 80     eth0
fe800000000000000000000000000001 02 40 20 80     eth0
garbage
`
	f := parseIfInet6(strings.NewReader(in))
	if f["2001:db8::1234"] != flagTemporary || f["2001:db8::5"] != 0x80 || len(f) != 3 {
		t.Errorf("flags %v", f)
	}
}

func FuzzParseIfInet6(f *testing.F) {
	f.Add("20010db8000000000000000000001234 02 40 00 01 eth0\n")
	f.Add("zz 1 2 3 4 5\n")
	f.Fuzz(func(t *testing.T, s string) {
		for addr := range parseIfInet6(strings.NewReader(s)) {
			if !strings.Contains(addr, ":") && !strings.Contains(addr, ".") {
				t.Fatalf("bad address key %q", addr)
			}
		}
	})
}
