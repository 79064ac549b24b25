package main

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/homefleet/homefleet/agent"
	"github.com/homefleet/homefleet/agent/collect/host"
	"github.com/homefleet/homefleet/agent/collect/host/hosttest"
	"github.com/homefleet/homefleet/agent/power/powertest"
	"github.com/homefleet/homefleet/internal/access"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/netid"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
)

// TestSecretsNeverShow sets recognizable secrets (broker passwords of the
// hub and two agents, a webhook token that the hook's error reply echoes
// back, a TSIG key, a SecureOn password), runs check-config, the hub and
// the agents at debug level against a Mosquitto that requires the logins,
// lets both DDNS pushes fail, and greps every output, every MQTT message
// and the hub's database file for any of them. (The demo's case, the
// generated logins, is TestDemoOnTheLANNeedsLogins.)
func TestSecretsNeverShow(t *testing.T) {
	fleet := []access.Login{
		{Name: "hub", Role: access.RoleHub, Password: "hub-pw-SECRET-1111"},
		{Name: "homeassistant", Role: access.RoleHA, Password: "ha-pw-SECRET-2222"},
		{Name: "nas", Role: access.RoleAgent, Password: "nas-pw-SECRET-3333"},
		{Name: "pc", Role: access.RoleAgent, Password: "pc-pw-SECRET-4444"},
	}
	const token, tsig, secureOn = "hook-token-SECRET-5555", "tsig-key-SECRET-6666", "5e:c7:e7:5e:c7:e7"
	secrets := []string{token, tsig, base64.StdEncoding.EncodeToString([]byte(tsig)), secureOn, "5ec7e75ec7e7"}
	for _, l := range fleet {
		secrets = append(secrets, l.Password)
	}
	dir := t.TempDir()
	acl, err := access.ACLFile(topic.Default(), fleet)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "passwd"), access.Passwd(fleet), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "acl"), acl, 0o600))
	m := testbroker.StartMosquittoWith(t, testbroker.MosquittoConfig{Extra: "password_file " + filepath.Join(dir, "passwd") + "\nacl_file " + filepath.Join(dir, "acl")})

	var hookCalls atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hookCalls.Add(1)
		w.WriteHeader(http.StatusInternalServerError) // a reply that quotes the request back
		_, _ = io.WriteString(w, "cannot update, you sent "+r.Header.Get("Authorization")+" for "+r.URL.String())
	}))
	defer hook.Close()
	dead := testbroker.FreePort(t) // nothing answers DNS here
	store := filepath.Join(dir, "hub.db")
	hubYAML := filepath.Join(dir, "hub.yaml")
	must(t, os.WriteFile(hubYAML, []byte(`mqtt: {url: "`+m.URL()+`", username: hub, password: "hub-pw-SECRET-1111"}
store: "`+store+`"
log: {level: debug}
wake:
  targets: [{name: tv, mac: "02:00:5e:00:53:99", broadcast: 192.0.2.255, password: "`+secureOn+`"}]
public_ip: {quorum: 1, sources: [{name: nas6, kind: agent, device: nas}]}
ddns:
  resolver: "`+dead+`"
  providers:
    - {name: hook, kind: webhook, url: "`+hook.URL+`/update?name={name}&ip={ip}", token: "`+token+`"}
    - {name: tsig, kind: rfc2136, server: "`+dead+`", tsig_name: homefleet, token: "`+base64.StdEncoding.EncodeToString([]byte(tsig))+`"}
  records:
    - {name: nas.example.com, zone: example.com, type: AAAA, device: nas, provider: hook, verify: false}
    - {name: nas2.example.com, zone: example.com, type: AAAA, device: nas, provider: tsig, verify: false}
`), 0o600))
	pcYAML := filepath.Join(dir, "pc.yaml")
	must(t, os.WriteFile(pcYAML, []byte(`device: {id: pc}
mqtt: {url: "`+m.URL()+`", username: pc, password: "pc-pw-SECRET-4444"}
collect: {interval: 1s, skip_smart: true}
log: {level: debug}
`), 0o600))

	var outputs []string
	for _, args := range [][]string{{"check-config", "--role", "hub", "--config", hubYAML}, {"check-config", "--config", pcYAML}} {
		r := runCmd(t, nil, args...)
		if r.code != 0 {
			t.Fatalf("%v: %+v", args, r)
		}
		outputs = append(outputs, r.stdout+r.stderr)
	}

	ha := testbroker.WatchAs(t, m.URL(), "homeassistant", "ha-pw-SECRET-2222", "#")
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var hubRun, pcRun result
	wg.Go(func() { hubRun = runCtx(ctx, nil, "hub", "--config", hubYAML) })
	wg.Go(func() { pcRun = runCtx(ctx, nil, "agent", "--config", pcYAML) })
	nlog, nbuf := testbroker.Logger(t)
	ncfg := config.Agent{Device: config.Device{ID: "nas"}, MQTT: config.MQTT{URL: m.URL(), Username: "nas", Password: "nas-pw-SECRET-3333"},
		Collect: config.Collect{Interval: time.Second}}
	ncfg.SetDefaults()
	wg.Go(func() {
		_ = agent.Run(ctx, ncfg, agent.Deps{Version: "1.0.0", Log: nlog, Power: &powertest.Recorder{},
			Collectors: &agent.Collectors{Host: host.New(hosttest.NewFake()), Net: publicV6Net}})
	})
	sc := topic.Default()
	failed := func(w *testbroker.Watcher) bool {
		a, ok1 := w.Latest(sc.HubDDNS("nas.example.com/AAAA"))
		b, ok2 := w.Latest(sc.HubDDNS("nas2.example.com/AAAA"))
		return ok1 && ok2 && strings.Contains(string(a.Payload), "cannot update") && strings.Contains(string(b.Payload), `"last_error":"`) &&
			w.Has(sc.Status("pc"), []byte(topic.Online))
	}
	if !ha.WaitFor(60*time.Second, failed) || hookCalls.Load() == 0 {
		cancel()
		wg.Wait()
		t.Fatalf("the DDNS pushes did not fail as arranged (hook called %d times):\n%s\n%s", hookCalls.Load(), ha.Snapshot(), hubRun.stderr)
	}
	cancel()
	wg.Wait()
	outputs = append(outputs, hubRun.stdout+hubRun.stderr, pcRun.stdout+pcRun.stderr, nbuf.String())
	if !strings.Contains(hubRun.stderr, "level=DEBUG") || !strings.Contains(hubRun.stderr, "cannot update, you sent Bearer "+"[redacted]") {
		t.Errorf("the hub log should show the failed push, at debug, with the token masked:\n%s", hubRun.stderr)
	}
	for _, msg := range ha.Messages() {
		outputs = append(outputs, msg.Topic+" "+string(msg.Payload))
	}
	for _, f := range []string{store, store + "-wal", store + "-shm"} {
		if b, err := os.ReadFile(f); err == nil {
			outputs = append(outputs, string(b))
		}
	}
	for i, out := range outputs {
		for _, s := range secrets {
			if strings.Contains(out, s) {
				at := strings.Index(out, s)
				t.Errorf("output %d shows secret %q: ...%s...", i, s, out[max(0, at-200):min(len(out), at+len(s)+50)])
			}
		}
	}
	t.Logf("grepped %d outputs (%d MQTT messages, the database) for %d secrets", len(outputs), len(ha.Messages()), len(secrets))
}

// publicV6Net has a stable global IPv6, which the DDNS records publish.
func publicV6Net() ([]netid.Interface, error) {
	return []netid.Interface{{Name: "eth0", MAC: "02:00:5e:00:53:02", IPv4: []string{"192.0.2.11/24"}, Broadcast: []string{"192.0.2.255"},
		IPv6: []netid.IPv6{{Addr: "2a01:4f8:1c0c:8a3f::10/64", Stable: true}}}}, nil
}
