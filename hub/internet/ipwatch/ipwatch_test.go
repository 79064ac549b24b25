package ipwatch

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

func TestParseReply(t *testing.T) {
	tests := []struct {
		body   string
		family int
		want   string
		err    error
	}{
		{"81.2.69.142\n", 4, "81.2.69.142", nil},
		{"  2a00:1450:4001:80b::200e ", 6, "2a00:1450:4001:80b::200e", nil},
		{"<html><body>502 Bad Gateway</body></html>", 4, "", ErrNotAddress},
		{`{"ip":"81.2.69.142"}`, 4, "", ErrNotAddress},
		{"81.2.69.142 81.2.69.143", 4, "", ErrNotAddress},
		{"192.168.1.1", 4, "", ErrNotPublic},
		{"100.70.1.2", 4, "", ErrCGNATAddress},
		{"10.0.0.1", 4, "", ErrNotPublic},
		{"2001:db8::1", 6, "", ErrNotPublic},
		{"fd00::1", 6, "", ErrNotPublic},
		{"81.2.69.142", 6, "", ErrWrongFamily},
		{"::ffff:81.2.69.142", 4, "81.2.69.142", nil},
		{"fe80::1%eth0", 6, "", ErrNotAddress},
		{"", 4, "", ErrNotAddress},
	}
	for _, tt := range tests {
		a, err := ParseReply([]byte(tt.body), tt.family)
		if !errors.Is(err, tt.err) || (tt.err == nil && a.String() != tt.want) {
			t.Errorf("%q: got %v %v, want %s %v", tt.body, a, err, tt.want, tt.err)
		}
	}
}

func ans(src, addr string) Answer {
	if a, err := netip.ParseAddr(addr); err == nil {
		return Answer{Source: src, Addr: a}
	}
	return Answer{Source: src, Err: errors.New(addr)}
}

func TestConsensus(t *testing.T) {
	tests := []struct {
		name    string
		answers []Answer
		quorum  int
		want    string
		err     bool
	}{
		{"two agree", []Answer{ans("upnp", "81.2.69.142"), ans("echo1", "81.2.69.142"), ans("dns", "timeout")}, 2, "81.2.69.142", false},
		{"one is not enough", []Answer{ans("upnp", "81.2.69.142"), ans("echo1", "garbage")}, 2, "", true},
		{"disagreement", []Answer{ans("a", "81.2.69.142"), ans("b", "81.2.69.143")}, 1, "", true},
		{"majority wins", []Answer{ans("a", "81.2.69.142"), ans("b", "81.2.69.142"), ans("c", "81.2.69.143")}, 2, "81.2.69.142", false},
	}
	for _, tt := range tests {
		d, err := Consensus(tt.answers, tt.quorum)
		if (err != nil) != tt.err || (!tt.err && d.Addr.String() != tt.want) {
			t.Errorf("%s: %+v %v", tt.name, d, err)
		}
		if err != nil && !errors.Is(err, ErrNoQuorum) {
			t.Errorf("%s: want ErrNoQuorum, got %v", tt.name, err)
		}
	}
	_, err := Consensus([]Answer{ans("a", "81.2.69.142"), ans("b", "81.2.69.143")}, 1)
	if err == nil || !strings.Contains(err.Error(), "b: 81.2.69.143") && !strings.Contains(err.Error(), "a: 81.2.69.142") {
		t.Errorf("disagreement must name the sources: %v", err)
	}
}

func TestBehindCGNAT(t *testing.T) {
	pub := netip.MustParseAddr("81.2.69.142")
	if s := BehindCGNAT(netip.MustParseAddr("100.72.3.4"), pub); !strings.Contains(s, "CGNAT range") {
		t.Errorf("%q", s)
	}
	if s := BehindCGNAT(netip.MustParseAddr("81.2.69.200"), pub); !strings.Contains(s, "another NAT upstream") {
		t.Errorf("%q", s)
	}
	if s := BehindCGNAT(pub, pub); s != "" {
		t.Errorf("%q", s)
	}
}

func FuzzParseReply(f *testing.F) {
	for _, s := range []string{"81.2.69.142", "<html>", "::1", "100.64.0.1", "2a00:1450::1\n"} {
		f.Add([]byte(s), 4)
	}
	f.Fuzz(func(t *testing.T, b []byte, family int) {
		a, err := ParseReply(b, family)
		if err == nil && (CheckPublic(a) != nil || (family == 4) != a.Is4()) {
			t.Fatalf("accepted %v for IPv%d", a, family)
		}
	})
}
