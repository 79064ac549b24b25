package ipwatch

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/homefleet/homefleet/internal/testrouter"
)

// echo serves body on loopback and records the requests' user agents.
func echo(t *testing.T, status int, body string) (string, *[]string) {
	t.Helper()
	var mu sync.Mutex
	var uas []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		uas = append(uas, r.UserAgent())
		mu.Unlock()
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &uas
}

// dnsServer answers every question with rrs, on loopback UDP.
func dnsServer(t *testing.T, rrs ...string) string {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		for _, s := range rrs {
			rr, err := dns.NewRR(s)
			if err != nil {
				t.Error(err)
				continue
			}
			m.Answer = append(m.Answer, rr)
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}

const igdDesc = `<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>1</major><minor>0</minor></specVersion>
<device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType><friendlyName>fake router</friendlyName>
<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANDevice:1</deviceType>
<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:1</deviceType>
<serviceList><service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType>
<serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId><controlURL>/ctl/IPConn</controlURL>
<eventSubURL>/evt/IPConn</eventSubURL><SCPDURL>/WANIPCn.xml</SCPDURL></service></serviceList>
</device></deviceList></device></deviceList></device></root>`

// igd is a fake UPnP router: its description and the SOAP action,
// recording the SOAPAction headers it got.
func igd(t *testing.T, wan string) (string, *[]string) {
	t.Helper()
	return igdWith(t, "WANIPConnection", wan)
}

// igdWith serves a router whose WAN service is svc (WANIPConnection or
// WANPPPConnection, version 1).
func igdWith(t *testing.T, svc, wan string) (string, *[]string) {
	t.Helper()
	desc := strings.ReplaceAll(igdDesc, "WANIPConnection", svc)
	var mu sync.Mutex
	var actions []string
	mux := http.NewServeMux()
	mux.HandleFunc("/rootDesc.xml", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(desc)) })
	mux.HandleFunc("/ctl/IPConn", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		actions = append(actions, r.Header.Get("SOAPAction"))
		mu.Unlock()
		w.Header().Set("Content-Type", `text/xml; charset="utf-8"`)
		_, _ = w.Write([]byte(`<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><u:GetExternalIPAddressResponse xmlns:u="urn:schemas-upnp-org:service:` + svc + `:1"><NewExternalIPAddress>` + wan + `</NewExternalIPAddress></u:GetExternalIPAddressResponse></s:Body></s:Envelope>`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/rootDesc.xml", &actions
}

func TestSources(t *testing.T) {
	plain, uas := echo(t, 200, "81.2.69.142\n")
	trace, _ := echo(t, 200, "fl=1\nh=example\nip=81.2.69.142\nts=1\n")
	html, _ := echo(t, 502, "<html>502 Bad Gateway</html>")
	html200, _ := echo(t, 200, "<html><body>Rate limited</body></html>")
	v6, _ := echo(t, 200, "2a00:1450:4001:80b::200e")
	dnsA := dnsServer(t, "myip.opendns.com. 0 IN A 81.2.69.142")
	dnsTXT := dnsServer(t, `whoami.cloudflare. 0 CH TXT "81.2.69.142"`)
	dnsTwo := dnsServer(t, "myip.opendns.com. 0 IN A 81.2.69.142", "myip.opendns.com. 0 IN A 81.2.69.143")
	upnp, actions := igd(t, "100.72.1.5")
	pppoe, pppActions := igdWith(t, "WANPPPConnection", "81.2.69.142")
	gw := testrouter.NATPMP(t, [4]byte{81, 2, 69, 142})

	tests := []struct {
		name   string
		src    Source
		family int
		want   string
		err    error
	}{
		{"plain echo", HTTPS{URL: plain, UserAgent: "homefleet/test"}, 4, "81.2.69.142", nil},
		{"trace echo", HTTPS{URL: trace, Trace: true}, 4, "81.2.69.142", nil},
		{"HTTP error page", HTTPS{URL: html}, 4, "", ErrSource},
		{"HTML with 200", HTTPS{URL: html200}, 4, "", ErrNotAddress},
		{"IPv6 echo asked for IPv4", HTTPS{URL: v6}, 4, "", ErrWrongFamily},
		{"dns A", DNS{Server: dnsA, Query: "myip.opendns.com"}, 4, "81.2.69.142", nil},
		{"dns CH TXT", DNS{Server: dnsTXT, Query: "whoami.cloudflare", Type: "TXT", Class: "CH"}, 4, "81.2.69.142", nil},
		{"dns two answers", DNS{Server: dnsTwo, Query: "myip.opendns.com"}, 4, "", ErrNotAddress},
		{"upnp router", UPnP{URL: upnp}, 4, "100.72.1.5", nil},
		{"upnp no IPv6", UPnP{URL: upnp}, 6, "", ErrWrongFamily},
		{"upnp PPPoE router", UPnP{URL: pppoe}, 4, "81.2.69.142", nil},
		{"natpmp router", NATPMP{Gateway: netip.MustParseAddr(gw), Timeout: 2 * time.Second}, 4, "81.2.69.142", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			a, err := tt.src.Lookup(ctx, tt.family)
			if !errors.Is(err, tt.err) || (tt.err == nil && a.String() != tt.want) {
				t.Fatalf("got %v, %v; want %s, %v", a, err, tt.want, tt.err)
			}
		})
	}
	if len(*uas) == 0 || (*uas)[0] != "homefleet/test" {
		t.Errorf("echo saw user agents %q, want homefleet/test", *uas)
	}
	if len(*actions) == 0 || !strings.Contains((*actions)[0], "WANIPConnection:1#GetExternalIPAddress") {
		t.Errorf("router saw SOAP actions %q", *actions)
	}
	if len(*pppActions) == 0 || !strings.Contains((*pppActions)[0], "WANPPPConnection:1#GetExternalIPAddress") {
		t.Errorf("PPPoE router saw SOAP actions %q", *pppActions)
	}
}

func TestCheck(t *testing.T) {
	good, _ := echo(t, 200, "81.2.69.142")
	good2, _ := echo(t, 200, "81.2.69.142\n")
	other, _ := echo(t, 200, "81.2.69.200")
	garbage, _ := echo(t, 200, "<html>captive portal</html>")
	docAddr, _ := echo(t, 200, "203.0.113.5")
	cgnatRouter, _ := igd(t, "100.72.1.5")
	sameRouter, _ := igd(t, "81.2.69.142")
	v6 := func(context.Context, int) (netip.Addr, error) { return netip.ParseAddr("2a00:1450:4001:80b::200e") }
	src := func(name, url string) Named { return Named{Name: name, Family: 4, Source: HTTPS{URL: url}} }
	router := func(url string) Named { return Named{Name: "router", Family: 4, Router: true, Source: UPnP{URL: url}} }

	tests := []struct {
		name    string
		sources []Named
		want    string
		err     error
		cgnat   string
		dissent string
	}{
		{"two agree", []Named{src("a", good), src("b", good2)}, "81.2.69.142", nil, "", ""},
		{"disagreement is no decision", []Named{src("a", good), src("b", other)}, "", ErrNoQuorum, "", "81.2.69.200"},
		{"garbage does not count", []Named{src("a", good), src("b", garbage)}, "", ErrNoQuorum, "", "not a bare IP"},
		{"two of three", []Named{src("a", good), src("b", good2), src("c", other)}, "81.2.69.142", nil, "", "c: 81.2.69.200"},
		{"router votes when public", []Named{src("a", good), router(sameRouter)}, "81.2.69.142", nil, "", ""},
		{"cgnat router", []Named{src("a", good), src("b", good2), router(cgnatRouter)}, "81.2.69.142", nil, "CGNAT range", "router WAN address is not public"},
		{"documentation address is excluded", []Named{src("a", good), src("b", docAddr)}, "", ErrNoQuorum, "", "b: address is not a public unicast address: 203.0.113.5"},
		{"router differs", []Named{src("a", other), src("b", other), router(sameRouter)}, "81.2.69.200", nil, "another NAT upstream", "router: 81.2.69.142"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Check(context.Background(), tt.sources, 2, 3*time.Second)
			if tt.name == "documentation address is excluded" && (r.V4.Contested() || len(r.V4.Excluded) != 1) {
				t.Errorf("a non-public answer is no disagreement: dissent %q excluded %q", r.V4.Dissent, r.V4.Excluded)
			}
			if tt.name == "disagreement is no decision" && strings.Join(r.V4.Groups, "; ") != "81.2.69.142: a; 81.2.69.200: b" {
				t.Errorf("every side is listed: %q", r.V4.Groups)
			}
			if !errors.Is(r.V4.Err, tt.err) || (tt.err == nil && r.V4.Addr.String() != tt.want) {
				t.Fatalf("v4 = %v, %v; want %s, %v", r.V4.Addr, r.V4.Err, tt.want, tt.err)
			}
			if (tt.cgnat == "") != (r.CGNAT == "") || !strings.Contains(r.CGNAT, tt.cgnat) {
				t.Errorf("cgnat = %q, want %q", r.CGNAT, tt.cgnat)
			}
			if !strings.Contains(strings.Join(append(r.V4.Dissent, r.V4.Excluded...), "; "), tt.dissent) {
				t.Errorf("dissent %q, excluded %q lack %q", r.V4.Dissent, r.V4.Excluded, tt.dissent)
			}
			if r.V6.Err != nil || r.V6.Addr.IsValid() {
				t.Errorf("no IPv6 source asked, got %v %v", r.V6.Addr, r.V6.Err)
			}
		})
	}
	r := Check(context.Background(), []Named{{Name: "nas", Family: 6, Source: SourceFunc(v6)}, {Name: "pc", Family: 6, Source: SourceFunc(v6)}}, 2, time.Second)
	if r.V6.Addr.String() != "2a00:1450:4001:80b::200e" || r.V4.Err != nil {
		t.Errorf("agent IPv6 = %v %v", r.V6.Addr, r.V6.Err)
	}
}

func FuzzParseTrace(f *testing.F) {
	f.Add([]byte("fl=1\nip=81.2.69.142\nts=1\n"), 4)
	f.Add([]byte("ip=2a00::1\nip=2a00::2"), 6)
	f.Fuzz(func(t *testing.T, body []byte, family int) {
		a, err := ParseTrace(body, family)
		if err == nil && CheckPublic(a) != nil {
			t.Fatalf("accepted non-public %v", a)
		}
	})
}

func FuzzParseDNSAnswer(f *testing.F) {
	m := new(dns.Msg)
	m.SetQuestion("myip.opendns.com.", dns.TypeA)
	rr, _ := dns.NewRR("myip.opendns.com. 0 IN A 81.2.69.142")
	m.Answer = append(m.Answer, rr)
	b, _ := m.Pack()
	f.Add(b)
	f.Fuzz(func(t *testing.T, wire []byte) {
		m := new(dns.Msg)
		if m.Unpack(wire) != nil {
			return
		}
		a, err := ParseDNSAnswer(m, 4)
		if err == nil && (CheckPublic(a) != nil || !a.Is4()) {
			t.Fatalf("accepted %v", a)
		}
	})
}

// TestOneVotePerOperator: two endpoints of one operator agreeing are one
// vote, not a quorum.
func TestOneVotePerOperator(t *testing.T) {
	fixed := func(ip string) Source {
		return SourceFunc(func(context.Context, int) (netip.Addr, error) { return netip.ParseAddr(ip) })
	}
	same := []Named{
		{Name: "cf-a", Family: 4, Operator: Operator("one.one.one.one"), Source: fixed("81.2.69.142")},
		{Name: "cf-b", Family: 4, Operator: Operator("www.one.one.one"), Source: fixed("81.2.69.142")},
	}
	if r := Check(context.Background(), same, 2, time.Second); !errors.Is(r.V4.Err, ErrNoQuorum) {
		t.Errorf("one operator reached quorum: %v %v", r.V4.Addr, r.V4.Err)
	}
	two := append(same, Named{Name: "ipify", Family: 4, Operator: Operator("api.ipify.org"), Source: fixed("81.2.69.142")})
	if r := Check(context.Background(), two, 2, time.Second); r.V4.Err != nil || len(r.V4.Agree) != 2 {
		t.Errorf("two operators: %v %v %v", r.V4.Addr, r.V4.Agree, r.V4.Err)
	}
	for host, want := range map[string]string{"api.ipify.org": "ipify.org", "API6.ipify.org.": "ipify.org", "1.1.1.1": "1.1.1.1", "localhost": "localhost"} {
		if got := Operator(host); got != want {
			t.Errorf("Operator(%q) = %q, want %q", host, got, want)
		}
	}
}

// TestEchoLeavesNoConnection: each lookup has its own transport, so no
// connection may stay open after it (one per check would pile up).
func TestEchoLeavesNoConnection(t *testing.T) {
	var open atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("81.2.69.142")) }))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			open.Add(1)
		case http.StateClosed, http.StateHijacked:
			open.Add(-1)
		}
	}
	srv.Start()
	defer srv.Close()
	for range 3 {
		if _, err := (HTTPS{URL: srv.URL}).Lookup(context.Background(), 4); err != nil {
			t.Fatal(err)
		}
	}
	for range 100 {
		if open.Load() == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("%d connections still open after the lookups", open.Load())
}
