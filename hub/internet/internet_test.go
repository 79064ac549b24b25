package internet

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/hub/internet/ddns"
	"github.com/homefleet/homefleet/hub/internet/ddns/providers/rfc2136"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/testdns"
	"github.com/homefleet/homefleet/internal/testrouter"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// TestPublicIPToBIND runs the whole path on loopback: two echo services,
// the hub's consensus, an RFC 2136 write to a real BIND9 and the
// authoritative check, watched over MQTT like HA would.
func TestPublicIPToBIND(t *testing.T) {
	b := testdns.StartBIND(t, "home.test")
	var echoA, echoB atomic.Value
	echoA.Store("81.2.69.142\n")
	echoB.Store("81.2.69.142")
	verify := true
	cfg := config.Hub{
		PublicIP: config.PublicIP{Quorum: 2, Interval: 200 * time.Millisecond, Sources: []config.IPSource{
			{Name: "echo-a", Kind: config.SourceHTTPS, URL: echoServer(t, "127.0.0.1", &echoA), Family: 4},
			{Name: "echo-b", Kind: config.SourceHTTPS, URL: echoServer(t, "127.0.0.2", &echoB), Family: 4},
			{Name: "router", Kind: config.SourceNATPMP, Server: testrouter.NATPMP(t, [4]byte{100, 72, 1, 5})},
		}},
		DDNS: config.DDNS{
			VerifyTimeout: 10 * time.Second,
			Providers:     []config.DDNSProvider{bindProvider(b.Addr, b.KeyName, b.Secret)},
			Records:       []config.DDNSRecord{{Name: "nas.home.test", Provider: "bind", TTL: 60, Verify: &verify, NS: []string{b.Addr}}},
		},
	}
	url := startInternet(t, cfg)
	sc := topic.Default()
	w := testbroker.Watch(t, url, "homefleet/#", "homeassistant/#")
	rec := sc.HubDDNS("nas.home.test/A")
	inSync := func(addr string) func(*testbroker.Watcher) bool {
		return func(w *testbroker.Watcher) bool {
			d, ok := decodeLatest[wire.DDNSRecord](w, rec)
			return ok && d.InSync && d.Addr == addr
		}
	}
	if !w.WaitFor(20*time.Second, inSync("81.2.69.142")) {
		t.Fatalf("record never in sync: %s\n%s", w.Snapshot()[rec], b.Log)
	}
	if got := b.Dig(t, "nas.home.test", "A"); got != "81.2.69.142" {
		t.Fatalf("dig = %q", got)
	}
	snap := w.Snapshot()
	for _, err := range discovery.NewChecker().Check(sc.NodeDiscovery(topic.HubID, topic.InternetNode()), snap[sc.NodeDiscovery(topic.HubID, topic.InternetNode())], snap) {
		t.Error(err)
	}

	// IP changes: each is written and seen on BIND.
	var writes, props []int64
	for i, ip := range []string{"81.2.69.200", "81.2.69.201", "81.2.69.202", "81.2.69.203", "81.2.69.204"} {
		echoA.Store(ip)
		echoB.Store(ip)
		if !w.WaitFor(20*time.Second, inSync(ip)) {
			t.Fatalf("change %d to %s not in sync: %s", i, ip, w.Snapshot()[rec])
		}
		d, _ := decodeLatest[wire.DDNSRecord](w, rec)
		writes, props = append(writes, d.WriteMS), append(props, d.WriteMS+d.PropagationMS)
	}
	slices.Sort(writes)
	slices.Sort(props)
	t.Logf("IP change detected -> provider write done: %v ms; -> verified on BIND: %v ms", writes, props)
	pip, _ := decodeLatest[wire.PublicIP](w, sc.HubPublicIP())
	if pip.IPv4 != "81.2.69.204" || pip.PreviousIPv4 != "81.2.69.203" || pip.ChangedIPv4 == "" || pip.Disagree {
		t.Errorf("public ip document %+v", pip)
	}
	if !pip.CGNAT || pip.RouterWAN != "100.72.1.5" || !strings.Contains(pip.CGNATReason, "100.64.0.0/10") {
		t.Errorf("behind CGNAT not shown: %+v", pip)
	}
	t.Logf("behind CGNAT: %s", pip.CGNATReason)
	var changed []wire.Trigger
	for _, m := range w.Messages() {
		var tr wire.Trigger
		if m.Topic == sc.HubPublicIPTrigger() && json.Unmarshal(m.Payload, &tr) == nil && tr.Event == discovery.TriggerIPChanged {
			changed = append(changed, tr)
		}
	}
	// The first (from none) may come before the watcher subscribed.
	if n := len(changed); n < 5 || changed[n-1].Old != "81.2.69.203" || changed[n-1].New != "81.2.69.204" {
		t.Errorf("ip_changed triggers %+v, want one per change with old and new", changed)
	}

	// Disagreement and garbage: an HA warning, no write.
	for _, pair := range [][2]string{{"81.2.69.1", "81.2.69.2"}, {"<html>502 Bad Gateway</html>", "81.2.69.1"}} {
		echoA.Store(pair[0])
		echoB.Store(pair[1])
		if !w.WaitFor(10*time.Second, func(w *testbroker.Watcher) bool {
			d, _ := decodeLatest[wire.PublicIP](w, sc.HubPublicIP())
			return d.Disagree && d.Disagreement != ""
		}) {
			t.Fatalf("%q: no disagreement shown", pair)
		}
		// Two more checks published: a write owed to the disagreeing one
		// (the loop writes right after a check) would be done by then.
		checks := func(w *testbroker.Watcher) int {
			n := 0
			for _, m := range w.Messages() {
				if m.Topic == sc.HubPublicIP() {
					n++
				}
			}
			return n
		}
		seen := checks(w)
		if !w.WaitFor(10*time.Second, func(w *testbroker.Watcher) bool { return checks(w) >= seen+2 }) {
			t.Fatal("the hub stopped checking")
		}
		if got := b.Dig(t, "nas.home.test", "A"); got != "81.2.69.204" {
			t.Fatalf("%q: BIND serves %q, nothing may be written without quorum", pair, got)
		}
	}
	d, _ := decodeLatest[wire.PublicIP](w, sc.HubPublicIP())
	t.Logf("disagreement shown: %s", d.Disagreement)

	// Someone changes the record behind our back; Update DDNS now fixes it.
	echoA.Store("81.2.69.204")
	echoB.Store("81.2.69.204")
	p, _ := rfc2136.New(rfc2136.Settings{Server: b.Addr, TSIGName: b.KeyName, TSIGSecret: b.Secret}, 5*time.Second)
	if err := p.Update(context.Background(), ddns.Record{Name: "nas.home.test", Zone: "home.test", Type: "A", TTL: 60}, netip.MustParseAddr("81.2.69.99")); err != nil {
		t.Fatal(err)
	}
	w.Publish(t, sc.Command(topic.HubID, "ddns_update"), []byte("PRESS"), false)
	deadline := time.Now().Add(10 * time.Second)
	for b.Dig(t, "nas.home.test", "A") != "81.2.69.204" {
		if time.Now().After(deadline) {
			t.Fatal("Update DDNS now did not re-push the record")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestWrongTSIGKeyShowsInHA: a refused key disables the record with the
// reason in words and a ddns_update_failed trigger; BIND is unchanged.
func TestWrongTSIGKeyShowsInHA(t *testing.T) {
	b := testdns.StartBIND(t, "home.test")
	var echo atomic.Value
	echo.Store("<html>not yet</html>") // no address until the watcher listens (triggers are not retained)
	echoURL := echoServer(t, "127.0.0.1", &echo)
	url := startInternet(t, config.Hub{
		PublicIP: config.PublicIP{Quorum: 1, Interval: time.Second, Sources: []config.IPSource{{Name: "echo", Kind: config.SourceHTTPS, URL: echoURL, Family: 4}}},
		DDNS: config.DDNS{
			Providers: []config.DDNSProvider{bindProvider(b.Addr, b.KeyName, "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=")},
			Records:   []config.DDNSRecord{{Name: "nas.home.test", Provider: "bind", NS: []string{b.Addr}}},
		},
	})
	sc := topic.Default()
	w := testbroker.Watch(t, url, "homefleet/#")
	echo.Store("81.2.69.142")
	if !w.WaitFor(15*time.Second, func(w *testbroker.Watcher) bool {
		d, ok := decodeLatest[wire.DDNSRecord](w, sc.HubDDNS("nas.home.test/A"))
		return ok && d.Disabled && d.LastError != ""
	}) {
		t.Fatalf("record state: %s", w.Snapshot()[sc.HubDDNS("nas.home.test/A")])
	}
	d, _ := decodeLatest[wire.DDNSRecord](w, sc.HubDDNS("nas.home.test/A"))
	t.Logf("last error in HA: %s", d.LastError)
	failed := false
	for _, m := range w.Messages() {
		var tr wire.Trigger
		if m.Topic == sc.HubPublicIPTrigger() && json.Unmarshal(m.Payload, &tr) == nil && tr.Event == discovery.TriggerDDNSUpdateFailed && tr.Record == "nas.home.test/A" && tr.Error != "" {
			failed = true
		}
	}
	if !failed {
		t.Error("no ddns_update_failed trigger with the record and the error")
	}
	if got := b.Dig(t, "nas.home.test", "A"); got != "" {
		t.Errorf("BIND serves %q after a refused key", got)
	}
	// Update DDNS now on the disabled record: nothing is sent, and HA is
	// told why (an event on the hub, the record's note).
	w.Publish(t, sc.Command(topic.HubID, "ddns_update"), []byte("PRESS"), false)
	if !w.WaitFor(15*time.Second, func(w *testbroker.Watcher) bool {
		d, _ := decodeLatest[wire.DDNSRecord](w, sc.HubDDNS("nas.home.test/A"))
		e, _ := decodeLatest[wire.Event](w, sc.Event(topic.HubID))
		return strings.Contains(d.Note, "nothing sent") && strings.Contains(e.Reason, "nas.home.test/A") && strings.Contains(e.Reason, "disabled")
	}) {
		t.Errorf("Update DDNS now on a disabled record: record %s event %s", w.Snapshot()[sc.HubDDNS("nas.home.test/A")], w.Snapshot()[sc.Event(topic.HubID)])
	}
	if got := b.Dig(t, "nas.home.test", "A"); got != "" {
		t.Errorf("BIND serves %q after Update DDNS now on a disabled record", got)
	}
}

// TestHubProbes: each probe shows in HA as a connectivity sensor with
// its latency and, when down, the error in words.
func TestHubProbes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	url := startInternet(t, config.Hub{
		Probes: []config.Probe{
			{Name: "web", Kind: config.ProbeHTTP, Target: srv.URL, Interval: time.Hour},
			{Name: "nas-smb", Kind: config.ProbeSMB, Target: "127.0.0.1:1", Interval: time.Hour},
		},
	})
	sc := topic.Default()
	w := testbroker.Watch(t, url, "homefleet/#", "homeassistant/#")
	if !w.WaitFor(15*time.Second, func(w *testbroker.Watcher) bool {
		web, ok1 := decodeLatest[wire.Probe](w, sc.Probe(topic.HubID, "web"))
		smb, ok2 := decodeLatest[wire.Probe](w, sc.Probe(topic.HubID, "nas-smb"))
		return ok1 && ok2 && web.Up && !smb.Up && smb.Error != "" && w.Has(sc.NodeDiscovery(topic.HubID, topic.ProbeNode(topic.HubID, "nas-smb")), nil)
	}) {
		t.Fatalf("probe results: %q", w.Snapshot())
	}
	snap := w.Snapshot()
	c := discovery.NewChecker()
	for _, id := range []string{topic.ProbeNode(topic.HubID, "web"), topic.ProbeNode(topic.HubID, "nas-smb")} {
		tp := sc.NodeDiscovery(topic.HubID, id)
		for _, err := range c.Check(tp, snap[tp], snap) {
			t.Error(err)
		}
	}
}
