package internet

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/hub/feature"
	"github.com/homefleet/homefleet/hub/feature/featuretest"
	"github.com/homefleet/homefleet/hub/internet/ddns"
	"github.com/homefleet/homefleet/hub/internet/ddns/providers/rfc2136"
	"github.com/homefleet/homefleet/hub/internet/ipwatch"
	"github.com/homefleet/homefleet/hub/store"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/internal/service"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/testdns"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// echoServer answers with whatever body holds, on a loopback address of
// its own (sources on one host count as one operator, one vote).
func echoServer(t *testing.T, ip string, body *atomic.Value) string {
	t.Helper()
	l, err := net.Listen("tcp4", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(body.Load().(string)))
	}))
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

func decodeLatest[T any](w *testbroker.Watcher, topic string) (T, bool) {
	var v T
	m, ok := w.Latest(topic)
	if !ok {
		return v, false
	}
	return v, json.Unmarshal(m.Payload, &v) == nil
}

// natpmpRouter is a NAT-PMP gateway on a loopback address of its own
// (the protocol's port 5351 is fixed) reporting wan.
func natpmpRouter(t *testing.T, gw string, wan [4]byte) string {
	t.Helper()
	pc, err := net.ListenPacket("udp4", gw+":5351")
	if err != nil {
		t.Fatalf("listening on %s:5351: %v", gw, err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	go func() {
		buf := make([]byte, 16)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if n == 2 && buf[0] == 0 && buf[1] == 0 { // version 0, external address request
				_, _ = pc.WriteTo([]byte{0, 128, 0, 0, 0, 0, 0, 1, wan[0], wan[1], wan[2], wan[3]}, from)
			}
		}
	}()
	return gw
}

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
			{Name: "router", Kind: config.SourceNATPMP, Server: natpmpRouter(t, "127.0.53.52", [4]byte{100, 72, 1, 5})},
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
	for _, err := range discovery.NewChecker().Check(sc.Discovery(topic.InternetNode()), snap[sc.Discovery(topic.InternetNode())], snap) {
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
		time.Sleep(500 * time.Millisecond)
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
		return ok1 && ok2 && web.Up && !smb.Up && smb.Error != "" && w.Has(sc.Discovery(topic.ProbeNode(topic.HubID, "nas-smb")), nil)
	}) {
		t.Fatalf("probe results: %q", w.Snapshot())
	}
	snap := w.Snapshot()
	c := discovery.NewChecker()
	for _, id := range []string{topic.ProbeNode(topic.HubID, "web"), topic.ProbeNode(topic.HubID, "nas-smb")} {
		for _, err := range c.Check(sc.Discovery(id), snap[sc.Discovery(id)], snap) {
			t.Error(err)
		}
	}
}

// TestAgentAAAA: each agent's stable global IPv6 becomes its own AAAA
// record; a prefix change moving two devices is one ip_changed event.
func TestAgentAAAA(t *testing.T) {
	b := testdns.StartBIND(t, "home.test")
	rec := func(name, dev string) config.DDNSRecord {
		return config.DDNSRecord{Name: name, Type: "AAAA", Device: dev, Provider: "bind", NS: []string{b.Addr}}
	}
	url := startInternet(t, config.Hub{
		DDNS: config.DDNS{
			Providers: []config.DDNSProvider{bindProvider(b.Addr, b.KeyName, b.Secret)},
			Records:   []config.DDNSRecord{rec("nas.home.test", "nas"), rec("pc.home.test", "pc")},
		},
	})
	sc := topic.Default()
	w := testbroker.Watch(t, url, "homefleet/#")
	announce := func(dev, stable string) {
		doc := wire.Net{V: wire.NetVersion, TS: time.Now().Unix(), Interfaces: []wire.NetInterface{{Name: "eth0", MAC: "aa:bb:cc:dd:ee:01",
			IPv6: []wire.NetIPv6{{Addr: "2a00:1450:4001:80b::dead/64", Stable: false}, {Addr: "fe80::1/64", Stable: true}, {Addr: stable + "/64", Stable: true}}}}}
		j, _ := json.Marshal(doc)
		w.Publish(t, sc.Net(dev), j, true)
	}
	waitDig := func(name, want string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for b.Dig(t, name, "AAAA") != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s AAAA = %q, want %s", name, b.Dig(t, name, "AAAA"), want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	announce("nas", "2a00:1450:4001:80b::10")
	announce("pc", "2a00:1450:4001:80b::20")
	waitDig("nas.home.test", "2a00:1450:4001:80b::10")
	waitDig("pc.home.test", "2a00:1450:4001:80b::20")
	announce("nas", "2a00:1450:4001:99::10")
	announce("pc", "2a00:1450:4001:99::20")
	waitDig("nas.home.test", "2a00:1450:4001:99::10")
	waitDig("pc.home.test", "2a00:1450:4001:99::20")
	var events []wire.Trigger
	w.WaitFor(5*time.Second, func(w *testbroker.Watcher) bool {
		events = events[:0]
		for _, m := range w.Messages() {
			var tr wire.Trigger
			if m.Topic == sc.HubPublicIPTrigger() && json.Unmarshal(m.Payload, &tr) == nil && tr.Family == "ipv6-prefix" {
				events = append(events, tr)
			}
		}
		return len(events) > 0
	})
	if len(events) != 1 || events[0].Old != "2a00:1450:4001:80b::/64" || events[0].New != "2a00:1450:4001:99::/64" || events[0].Device != "nas,pc" {
		t.Errorf("prefix events %+v, want one naming both devices", events)
	}
}

// TestRecheckOnNetworkChange: an interface change, or a resume (the wall
// clock jumped), re-checks the public address at once, long before the
// interval.
func TestRecheckOnNetworkChange(t *testing.T) {
	st, err := store.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := config.Hub{PublicIP: config.PublicIP{Sources: []config.IPSource{{Kind: config.SourceAgent, Device: "nas"}}}}
	cfg.SetDefaults()
	cfg.PublicIP.Interval = time.Hour
	log, _ := testbroker.Logger(t)
	in, err := New(context.Background(), feature.Env{Scheme: topic.Default(), Log: log, Store: st, Session: nopSession{}}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var asked atomic.Int32
	in.sources = []ipwatch.Named{{Name: "fake", Family: 4, Source: ipwatch.SourceFunc(func(context.Context, int) (netip.Addr, error) {
		asked.Add(1)
		return netip.MustParseAddr("81.2.69.142"), nil
	})}}
	var ifs atomic.Value
	ifs.Store("192.168.1.10/24")
	in.ifaces = func() string { return ifs.Load().(string) }
	var skew atomic.Int64
	in.env.Now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	in.pollEach = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = in.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitN := func(n int32) bool {
		for range 200 {
			if asked.Load() >= n {
				return true
			}
			time.Sleep(10 * time.Millisecond)
		}
		return false
	}
	if !waitN(1) {
		t.Fatal("no check at start")
	}
	time.Sleep(100 * time.Millisecond)
	if asked.Load() != 1 {
		t.Fatalf("%d checks without a change, want 1", asked.Load())
	}
	ifs.Store("192.168.1.10/24,2a00:1450::10/64") // the router handed out a new prefix
	if !waitN(2) {
		t.Fatal("no re-check after the network changed")
	}
	time.Sleep(100 * time.Millisecond)
	n := asked.Load()
	skew.Store(int64(8 * time.Hour)) // the hub slept through the night
	if !waitN(n + 1) {
		t.Fatal("no re-check after a resume")
	}
}

// nopSession is a session that is never connected.
type nopSession struct{}

func (nopSession) Publish(context.Context, string, []byte, bool) error {
	return errors.New("not connected")
}

func (nopSession) Subscribe(string, mqttc.Handler) {}

// startInternet runs the internet and probes services on an embedded
// broker, as the hub would, and returns the broker URL.
func startInternet(t *testing.T, cfg config.Hub) string {
	t.Helper()
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	b := testbroker.Embedded(t)
	featuretest.Start(t, b.URL(), featuretest.Options{}, func(env feature.Env) ([]service.Service, error) {
		in, err := New(context.Background(), env, cfg)
		return []service.Service{in, Probes(env, cfg.Probes)}, err
	})
	return b.URL()
}

// bindProvider is the rfc2136 provider of a test BIND.
func bindProvider(addr, key, secret string) config.DDNSProvider {
	return config.DDNSProvider{Name: "bind", Kind: "rfc2136", Settings: map[string]any{"server": addr, "tsig_name": key, "token": secret}}
}
