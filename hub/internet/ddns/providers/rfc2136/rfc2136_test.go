package rfc2136

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/homefleet/homefleet/hub/internet/ddns"
	"github.com/homefleet/homefleet/internal/testdns"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

func TestAgainstBIND(t *testing.T) {
	b := testdns.StartBIND(t, "home.test")
	good, err := New(Settings{Server: b.Addr, TSIGName: b.KeyName, TSIGSecret: b.Secret}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a := ddns.Record{Name: "nas.home.test", Zone: "home.test", Type: "A", TTL: 60}
	aaaa := ddns.Record{Name: "nas.home.test", Zone: "home.test", Type: "AAAA", TTL: 60}
	for _, step := range []struct {
		rec  ddns.Record
		addr string
	}{{a, "81.2.69.142"}, {a, "81.2.69.200"}, {aaaa, "2a00:1450:4001:80b::200e"}} {
		if err := good.Update(ctx, step.rec, netip.MustParseAddr(step.addr)); err != nil {
			t.Fatalf("update %s: %v\n%s", step.addr, err, b.Log)
		}
	}
	if got := b.Dig(t, "nas.home.test", "A"); got != "81.2.69.200" {
		t.Errorf("dig A = %q, want only the new address", got)
	}
	if got := b.Dig(t, "nas.home.test", "AAAA"); got != "2a00:1450:4001:80b::200e" {
		t.Errorf("dig AAAA = %q", got)
	}
	v := ddns.Authoritative{Timeout: 2 * time.Second}
	a.NS = []string{b.Addr}
	if err := v.Verify(ctx, a, netip.MustParseAddr("81.2.69.200")); err != nil {
		t.Errorf("verify: %v", err)
	}
	if err := v.Verify(ctx, a, netip.MustParseAddr("81.2.69.142")); !errors.Is(err, ddns.ErrMismatch) {
		t.Errorf("verify old address: %v, want a mismatch", err)
	}

	wrong, _ := New(Settings{Server: b.Addr, TSIGName: b.KeyName, TSIGSecret: "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="}, 5*time.Second)
	err = wrong.Update(ctx, a, netip.MustParseAddr("81.2.69.1"))
	if !errors.Is(err, ddns.ErrDisabled) {
		t.Fatalf("wrong key: %v, want a disabling error", err)
	}
	t.Logf("wrong key: %v", err)
	unknown, _ := New(Settings{Server: b.Addr, TSIGName: "nobody", TSIGSecret: b.Secret}, 5*time.Second)
	if err := unknown.Update(ctx, a, netip.MustParseAddr("81.2.69.1")); !errors.Is(err, ddns.ErrDisabled) {
		t.Errorf("unknown key name: %v", err)
	}
	unsigned, _ := New(Settings{Server: b.Addr}, 5*time.Second)
	if err := unsigned.Update(ctx, a, netip.MustParseAddr("81.2.69.1")); !errors.Is(err, ddns.ErrDisabled) {
		t.Errorf("unsigned: %v", err)
	}
	if got := b.Dig(t, "nas.home.test", "A"); got != "81.2.69.200" {
		t.Errorf("after refused updates dig A = %q, want it unchanged", got)
	}
}

func TestNewValidates(t *testing.T) {
	for _, c := range []Settings{
		{Server: "ns1"},
		{Server: "127.0.0.1:53", TSIGName: "k", TSIGSecret: "not base64!"},
		{Server: "127.0.0.1:53", TSIGName: "k", TSIGSecret: "c2VjcmV0", TSIGAlg: "md5"},
		{Server: "127.0.0.1:53", TSIGSecret: "c2VjcmV0"},
	} {
		if _, err := New(c, time.Second); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

func TestOutcome(t *testing.T) {
	r := ddns.Record{Name: "nas.home.test", Zone: "home.test"}
	for rcode, want := range map[int]error{
		dns.RcodeSuccess: nil, dns.RcodeNotAuth: ddns.ErrDisabled, dns.RcodeRefused: ddns.ErrDisabled,
		dns.RcodeNotZone: ddns.ErrDisabled, dns.RcodeFormatError: ddns.ErrReply,
	} {
		m := new(dns.Msg)
		m.Rcode = rcode
		if err := Outcome(m, r, "ns"); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", dns.RcodeToString[rcode], err, want)
		}
	}
	m := new(dns.Msg)
	m.Rcode = dns.RcodeServerFailure
	if err := Outcome(m, r, "ns"); err == nil || errors.Is(err, ddns.ErrDisabled) {
		t.Errorf("SERVFAIL must be transient: %v", err)
	}
}

func FuzzOutcome(f *testing.F) {
	m := new(dns.Msg)
	m.SetUpdate("home.test.")
	b, _ := m.Pack()
	f.Add(b)
	f.Fuzz(func(t *testing.T, wire []byte) {
		m := new(dns.Msg)
		if m.Unpack(wire) != nil {
			return
		}
		err := Outcome(m, ddns.Record{Name: "a.home.test", Zone: "home.test"}, "ns")
		// Success only when the server says NOERROR and no TSIG error;
		// anything else names the server, or is a reply error.
		tsigOK := m.IsTsig() == nil || m.IsTsig().Error == dns.RcodeSuccess
		switch {
		case err == nil && (m.Rcode != dns.RcodeSuccess || !tsigOK):
			t.Fatalf("rcode %d, tsig ok %v accepted as success", m.Rcode, tsigOK)
		case err != nil && m.Rcode == dns.RcodeSuccess && tsigOK:
			t.Fatalf("NOERROR refused: %v", err)
		case err != nil && !strings.Contains(err.Error(), "ns") && !strings.Contains(err.Error(), "a.home.test"):
			t.Fatalf("error names neither server nor record: %v", err)
		}
	})
}

// TestVerifyFindsTheZonesNameServers: without configured servers the
// verifier looks up the zone's NS and asks them on port 53 directly.
func TestVerifyFindsTheZonesNameServers(t *testing.T) {
	b := testdns.StartBINDOnPort53(t, "home.test")
	p, _ := New(Settings{Server: b.Addr, TSIGName: b.KeyName, TSIGSecret: b.Secret}, 5*time.Second)
	r := ddns.Record{Name: "nas.home.test", Zone: "home.test", Type: "A", TTL: 60}
	ctx := context.Background()
	if err := p.Update(ctx, r, netip.MustParseAddr("81.2.69.142")); err != nil {
		t.Fatal(err)
	}
	v := ddns.Authoritative{Resolver: b.Addr, Timeout: 2 * time.Second}
	if err := v.Verify(ctx, r, netip.MustParseAddr("81.2.69.142")); err != nil {
		t.Errorf("verify through the zone's NS: %v", err)
	}
	if err := v.Verify(ctx, r, netip.MustParseAddr("81.2.69.1")); !errors.Is(err, ddns.ErrMismatch) || !strings.Contains(err.Error(), b.Addr) {
		t.Errorf("mismatch must name the server: %v", err)
	}
}
