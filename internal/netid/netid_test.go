package netid

import (
	"net"
	"testing"
)

func cidr(s string) net.Addr {
	ip, n, _ := net.ParseCIDR(s)
	n.IP = ip
	return n
}

func TestBuild(t *testing.T) {
	mac, _ := net.ParseMAC("02:11:22:33:44:55")
	flags := addrFlags{"2001:db8::1234": flagTemporary, "2001:db8::5": 0, "2001:db8::dead": flagDeprecated}
	i := build("eth0", mac, []net.Addr{
		cidr("192.168.1.10/24"), cidr("10.1.2.3/20"), cidr("fe80::1/64"),
		cidr("2001:db8::5/64"), cidr("2001:db8::1234/64"), cidr("2001:db8::dead/64"), cidr("192.0.2.7/32"),
	}, flags, "armed")
	if i.MAC != "02:11:22:33:44:55" || i.WoL != "armed" {
		t.Errorf("identity %+v", i)
	}
	wantB := []string{"10.1.15.255", "192.168.1.255"}
	if len(i.Broadcast) != 2 || i.Broadcast[0] != wantB[0] || i.Broadcast[1] != wantB[1] {
		t.Errorf("broadcasts %v, want %v", i.Broadcast, wantB)
	}
	if len(i.IPv6) != 3 {
		t.Fatalf("link-local must be skipped: %+v", i.IPv6)
	}
	stable := map[string]bool{}
	for _, a := range i.IPv6 {
		stable[a.Addr] = a.Stable
	}
	if !stable["2001:db8::5/64"] || stable["2001:db8::1234/64"] || stable["2001:db8::dead/64"] {
		t.Errorf("stable flags %v", stable)
	}
}

func TestCollectRunsHere(t *testing.T) {
	ifs, err := Collect()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range ifs {
		if i.Name == "lo" || len(i.MAC) != 17 {
			t.Errorf("unexpected interface %+v", i)
		}
	}
}
