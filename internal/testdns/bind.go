// Package testdns starts a real ISC BIND9 for tests: one zone on a
// loopback port, dynamic updates allowed with a TSIG key.
package testdns

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/homefleet/homefleet/internal/peer"
)

// BIND is a running named.
type BIND struct {
	Addr    string // 127.0.0.1:port, UDP and TCP
	Zone    string // without the trailing dot
	KeyName string
	Secret  string // base64 HMAC-SHA256 key
	Log     *bytes.Buffer
}

// StartBIND starts named in the foreground on a free loopback port with
// zone (e.g. "home.test") and stops it when the test ends. It skips, or
// fails under HOMEFLEET_REQUIRE_PEERS=1, when named is not installed.
func StartBIND(t testing.TB, zone string) *BIND {
	t.Helper()
	return StartBINDOn(t, zone, "127.0.0.1", "")
}

// StartBINDOn is StartBIND on a given loopback address and port ("" for
// a free one); its zone's NS record points at that address.
func StartBINDOn(t testing.TB, zone, ip, port string) *BIND {
	t.Helper()
	named := peer.Binary(t, "named", "bind9")
	dir := t.TempDir()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	b := &BIND{Zone: zone, KeyName: "homefleet-test", Secret: base64.StdEncoding.EncodeToString(key), Log: &bytes.Buffer{}}
	if port == "" {
		port = freeUDPAndTCP(t, ip)
	}
	b.Addr = net.JoinHostPort(ip, port)
	conf := fmt.Sprintf(`options {
	directory %[1]q;
	pid-file %[7]q;
	listen-on port %[2]s { %[8]s; };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
	allow-query { any; };
	notify no;
};
controls { };
key %[3]q { algorithm hmac-sha256; secret %[4]q; };
zone %[5]q {
	type primary;
	file %[6]q;
	update-policy { grant %[3]s zonesub ANY; };
};
`, dir, port, b.KeyName, b.Secret, zone, filepath.Join(dir, "zone.db"), filepath.Join(dir, "named.pid"), ip)
	zoneFile := fmt.Sprintf(`$TTL 60
@ IN SOA ns1.%[1]s. hostmaster.%[1]s. 1 60 60 600 60
@ IN NS ns1.%[1]s.
ns1 IN A %[2]s
`, zone, ip)
	must(t, os.WriteFile(filepath.Join(dir, "named.conf"), []byte(conf), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "zone.db"), []byte(zoneFile), 0o600))
	args := []string{"-g", "-c", filepath.Join(dir, "named.conf"), "-n", "1"}
	if os.Geteuid() == 0 {
		args = append(args, "-u", "root")
	}
	cmd := exec.Command(named, args...)
	cmd.Stdout, cmd.Stderr = b.Log, b.Log
	proc, err := peer.Start(cmd)
	if err != nil {
		t.Fatalf("starting named: %v", err)
	}
	t.Cleanup(proc.Kill)
	deadline := time.Now().Add(15 * time.Second)
	for {
		m := new(dns.Msg)
		m.SetQuestion(zone+".", dns.TypeSOA)
		if r, _, err := (&dns.Client{Timeout: 200 * time.Millisecond}).Exchange(m, b.Addr); err == nil && r.Rcode == dns.RcodeSuccess {
			return b
		}
		select {
		case <-proc.Exited():
			t.Fatalf("named exited:\n%s", b.Log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("named did not answer on %s:\n%s", b.Addr, b.Log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Dig asks the server with the real dig and returns its short answer.
func (b *BIND) Dig(t testing.TB, name, qtype string) string {
	t.Helper()
	dig := peer.Binary(t, "dig", "bind9-dnsutils")
	host, port, _ := net.SplitHostPort(b.Addr)
	out, err := exec.Command(dig, "@"+host, "-p", port, "+short", "+norecurse", name, qtype).CombinedOutput()
	if err != nil {
		t.Fatalf("dig: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// StartBINDOnPort53 starts BIND on port 53, which DNS fixes for asking a
// zone's name servers, on a loopback address no other test uses
// (127.53.x.y, at random, added to lo for the test: named listens only on
// interface addresses). It needs root and iproute2.
func StartBINDOnPort53(t testing.TB, zone string) *BIND {
	t.Helper()
	peer.Root(t, "BIND on port 53")
	ipBin := peer.Binary(t, "ip", "iproute2")
	for range 20 {
		ip := fmt.Sprintf("127.53.%d.%d", mrand.N(250)+1, mrand.N(250)+1) //nolint:gosec // an address
		if !free(ip, 53) {
			continue
		}
		if out, err := exec.Command(ipBin, "addr", "add", ip+"/32", "dev", "lo").CombinedOutput(); err != nil {
			t.Fatalf("adding %s to lo: %v: %s", ip, err, out)
		}
		t.Cleanup(func() { _ = exec.Command(ipBin, "addr", "del", ip+"/32", "dev", "lo").Run() })
		return StartBINDOn(t, zone, ip, "53")
	}
	peer.Missing(t, "no loopback address with port 53 free")
	return nil
}

func free(ip string, port int) bool {
	addr := fmt.Sprintf("%s:%d", ip, port)
	l, err := net.Listen("tcp4", addr)
	if err != nil {
		return false
	}
	defer l.Close()
	pc, err := net.ListenPacket("udp4", addr)
	if err != nil {
		return false
	}
	return pc.Close() == nil
}

// freeUDPAndTCP finds a loopback port free for both transports.
func freeUDPAndTCP(t testing.TB, ip string) string {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp4", ip+":0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		pc, err := net.ListenPacket("udp4", fmt.Sprintf("%s:%d", ip, port))
		_ = l.Close()
		if err == nil {
			_ = pc.Close()
			return fmt.Sprint(port)
		}
	}
	t.Fatal("no free port")
	return ""
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
