package netid

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"testing"

	"github.com/homefleet/homefleet/internal/peer"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
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

// TestCollectSeesAnInterface adds a veth interface with a known MAC and
// address (its peer in a network namespace of the test's own, so no
// traffic reaches a real network) and finds it, with its broadcast, in
// what Collect reports; loopback never appears.
func TestCollectSeesAnInterface(t *testing.T) {
	peer.Root(t, "adding a veth interface")
	ipBin := peer.Binary(t, "ip", "iproute2")
	name := fmt.Sprintf("hfid%d", os.Getpid()%100000)
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(ipBin, args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v: %s", args, err, out)
		}
	}
	ns := name + "ns"
	run("netns", "add", ns)
	t.Cleanup(func() { _ = exec.Command(ipBin, "netns", "del", ns).Run() })
	run("link", "add", name, "address", "02:00:5e:10:20:30", "type", "veth", "peer", "name", name+"p", "netns", ns)
	t.Cleanup(func() { _ = exec.Command(ipBin, "link", "del", name).Run() })
	run("addr", "add", "192.0.2.77/24", "dev", name)
	run("link", "set", name, "up")
	ifs, err := Collect()
	if err != nil {
		t.Fatal(err)
	}
	var found *Interface
	for i := range ifs {
		if ifs[i].Name == "lo" {
			t.Errorf("loopback reported: %+v", ifs[i])
		}
		if ifs[i].Name == name {
			found = &ifs[i]
		}
	}
	if found == nil {
		t.Fatalf("%s not reported: %+v", name, ifs)
	}
	if found.MAC != "02:00:5e:10:20:30" || !slices.Equal(found.IPv4, []string{"192.0.2.77/24"}) || !slices.Equal(found.Broadcast, []string{"192.0.2.255"}) {
		t.Errorf("identity %+v", *found)
	}
	if b := Broadcasts(); b["192.0.2.255"] != name {
		t.Errorf("Broadcasts() = %v, want 192.0.2.255 on %s", b, name)
	}
}
