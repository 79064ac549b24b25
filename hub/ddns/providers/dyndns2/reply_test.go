package dyndns2

import (
	"errors"
	"testing"
)

func TestParseReply(t *testing.T) {
	tests := []struct {
		line string
		want Outcome
		err  bool
	}{
		{"good 81.2.69.142", Updated, false},
		{"nochg 81.2.69.142\n", Unchanged, false},
		{"good", Updated, false},
		{"badauth", Disabled, false},
		{"nohost", Disabled, false},
		{"notfqdn", Disabled, false},
		{"abuse", Disabled, false},
		{"911", BackOff, false},
		{"dnserr", BackOff, false},
		{"<html>503</html>", 0, true},
		{"good not-an-ip", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		r, err := ParseReply(tt.line)
		if (err != nil) != tt.err || (!tt.err && r.Outcome != tt.want) {
			t.Errorf("%q: %+v %v", tt.line, r, err)
		}
		if err != nil && !errors.Is(err, ErrReply) {
			t.Errorf("%q: want ErrReply, got %v", tt.line, err)
		}
	}
	rs, err := ParseReplies("good 81.2.69.142\nnohost\n")
	if err != nil || len(rs) != 2 || rs[1].Outcome != Disabled || rs[1].Reason == "" {
		t.Errorf("multi-host: %+v %v", rs, err)
	}
}

func FuzzParseReply(f *testing.F) {
	for _, s := range []string{"good 1.2.3.4", "nochg", "911", "badauth", "<html>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseReply(s)
		if err != nil && !errors.Is(err, ErrReply) {
			t.Fatalf("unexpected error kind %v", err)
		}
		if err == nil && r.Code == "" {
			t.Fatal("accepted a reply without a code")
		}
	})
}
