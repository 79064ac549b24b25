package internet

import (
	"context"
	"encoding/json"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/homefleet/homefleet/hub/feature"
	"github.com/homefleet/homefleet/hub/internet/ipwatch"
	"github.com/homefleet/homefleet/hub/store"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/testdns"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

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
	env := feature.Env{Scheme: topic.Default(), Log: log, Store: st, Session: nopSession{}}
	env.Commands, _ = feature.NewCommands(env)
	in, err := New(context.Background(), env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var asked atomic.Int32
	in.sources = []ipwatch.Named{{Name: "fake", Family: 4, Source: ipwatch.SourceFunc(func(context.Context, int) (netip.Addr, error) {
		asked.Add(1)
		return netip.MustParseAddr("81.2.69.142"), nil
	})}}
	var ifs atomic.Value
	var polls atomic.Int32 // the loop's looks at the interfaces: its progress
	ifs.Store("192.168.1.10/24")
	in.ifaces = func() string { polls.Add(1); return ifs.Load().(string) }
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
	// quiet waits until the loop looked at the interfaces five more times
	// with nothing changed: any check it owed would have run by then.
	quiet := func() {
		t.Helper()
		p := polls.Load()
		for range 2000 {
			if polls.Load() >= p+5 {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatal("the loop stopped polling")
	}
	if !waitN(1) {
		t.Fatal("no check at start")
	}
	quiet()
	if asked.Load() != 1 {
		t.Fatalf("%d checks without a change, want 1", asked.Load())
	}
	ifs.Store("192.168.1.10/24,2a00:1450::10/64") // the router handed out a new prefix
	if !waitN(2) {
		t.Fatal("no re-check after the network changed")
	}
	quiet()
	n := asked.Load()
	skew.Store(int64(8 * time.Hour)) // the hub slept through the night
	if !waitN(n + 1) {
		t.Fatal("no re-check after a resume")
	}
}
