package wol

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	mwol "github.com/mdlayher/wol"
)

func TestParseMAC(t *testing.T) {
	for _, ok := range []string{"aa:bb:cc:dd:ee:ff", "AA-BB-CC-DD-EE-FF", "aabb.ccdd.eeff"} {
		if _, err := ParseMAC(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "aa:bb:cc", "zz:bb:cc:dd:ee:ff", "00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01"} {
		if _, err := ParseMAC(bad); !errors.Is(err, ErrBadMAC) {
			t.Errorf("%q: want ErrBadMAC, got %v", bad, err)
		}
	}
}

func TestParsePassword(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		fail bool
	}{{"", 0, false}, {"192.168.1.1", 4, false}, {"01:02:03:04:05:06", 6, false}, {"secret", 0, true}, {"::1", 0, true}}
	for _, tt := range tests {
		p, err := ParsePassword(tt.in)
		if (err != nil) != tt.fail || len(p) != tt.n {
			t.Errorf("%q: %v %v", tt.in, p, err)
		}
	}
}

// TestSendOverLoopback sends real magic packets to a UDP socket on
// 127.0.0.1 and decodes them.
func TestSendOverLoopback(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	mac, _ := ParseMAC("02:11:22:33:44:55")
	pw, _ := ParsePassword("10.0.0.1")
	r, err := Send(context.Background(), UDP{}, Target{Name: "nas", MAC: mac, Addresses: []string{pc.LocalAddr().String()}, Password: pw},
		Options{Repeats: 3, Spacing: 10 * time.Millisecond})
	if err != nil || r.Packets != 3 {
		t.Fatalf("sent %d: %v", r.Packets, err)
	}
	buf := make([]byte, 256)
	for range 3 {
		_ = pc.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		var mp mwol.MagicPacket
		if err := mp.UnmarshalBinary(buf[:n]); err != nil {
			t.Fatal(err)
		}
		if mp.Target.String() != mac.String() || net.IP(mp.Password).String() != "10.0.0.1" {
			t.Errorf("decoded %s %v", mp.Target, mp.Password)
		}
	}
}

func TestSendErrors(t *testing.T) {
	mac, _ := ParseMAC("02:11:22:33:44:55")
	if _, err := Send(context.Background(), UDP{}, Target{Name: "x", MAC: mac}, Options{}); !errors.Is(err, ErrNoAddress) {
		t.Errorf("want ErrNoAddress, got %v", err)
	}
	if _, err := Send(context.Background(), UDP{}, Target{Name: "x", MAC: mac, Addresses: []string{"not an address"}}, Options{Repeats: 1}); err == nil {
		t.Error("want an error for a bad address")
	}
}

func TestConfirm(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	d, err := Confirm(context.Background(), TCPAwake(addr), 2*time.Second, 20*time.Millisecond)
	if err != nil {
		t.Errorf("listening port not seen awake: %v", err)
	}
	_ = l.Close()
	if _, err := Confirm(context.Background(), TCPAwake(addr), 200*time.Millisecond, 20*time.Millisecond); !errors.Is(err, ErrNotAwake) {
		t.Errorf("closed port: want ErrNotAwake, got %v", err)
	}
	_ = d
}
