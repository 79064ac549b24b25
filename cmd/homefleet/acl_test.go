package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/homefleet/homefleet/agent"
	"github.com/homefleet/homefleet/agent/collect/host"
	"github.com/homefleet/homefleet/agent/collect/host/hosttest"
	"github.com/homefleet/homefleet/agent/power/powertest"
	"github.com/homefleet/homefleet/hub"
	"github.com/homefleet/homefleet/internal/access"
	"github.com/homefleet/homefleet/internal/access/accesstest"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// TestACLWithMosquitto: the files `homefleet acl --out` writes run the real
// Mosquitto. The access matrix holds there (anonymous refused, agent nas
// kept out of pc's topics, discovery and every command topic), and the
// hub and agent configs made from the printed snippets work: the agent
// comes online, the hub sees it, and an HA-login Refresh runs on nas.
func TestACLWithMosquitto(t *testing.T) {
	dir := t.TempDir()
	hubCfg := filepath.Join(dir, "hub.yaml")
	creds := filepath.Join(dir, "state", "credentials.yaml")
	must(t, os.WriteFile(hubCfg, []byte("logins: {file: "+creds+", agents: [nas, pc]}\n"), 0o600))
	out := filepath.Join(dir, "out")
	if r := runCmd(t, nil, "acl", "--config", hubCfg, "--out", out, "--url", "mqtt://placeholder:1"); r.code != 0 {
		t.Fatalf("acl: %+v", r)
	} else if strings.Contains(r.stdout+r.stderr, "password") {
		t.Errorf("--out printed something secret-looking:\n%s%s", r.stdout, r.stderr)
	}
	for _, f := range []string{"passwd", "acl", "mosquitto.conf", "hub.yaml", "agent-nas.yaml", "agent-pc.yaml", "homeassistant.txt"} {
		st, err := os.Stat(filepath.Join(out, f))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v", f, err, st.Mode())
		}
	}
	m := testbroker.StartMosquittoWith(t, testbroker.MosquittoConfig{
		Extra: "password_file " + filepath.Join(out, "passwd") + "\nacl_file " + filepath.Join(out, "acl")})
	logins, err := access.Load(creds)
	must(t, err)
	accesstest.Run(t, m.URL(), logins)

	snippet := func(name string) string { // the printed snippet, pointed at this broker
		b, err := os.ReadFile(filepath.Join(out, name))
		must(t, err)
		p := filepath.Join(dir, "run-"+name)
		must(t, os.WriteFile(p, []byte(strings.ReplaceAll(string(b), "mqtt://placeholder:1", m.URL())), 0o600))
		return p
	}
	hcfg, err := config.LoadHub(snippet("hub.yaml"), func(string) (string, bool) { return "", false })
	must(t, err)
	hcfg.Store = ":memory:"
	acfg, err := config.LoadAgent(snippet("agent-nas.yaml"), func(string) (string, bool) { return "", false })
	must(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	h, err := hub.Start(ctx, hcfg, "1.0.0", slog.New(slog.DiscardHandler))
	must(t, err)
	wg.Go(func() { _ = h.Wait() })
	wg.Go(func() {
		_ = agent.Run(ctx, acfg, agent.Deps{Version: "1.0.0", Power: &powertest.Recorder{},
			Collectors: &agent.Collectors{Host: host.New(hosttest.NewFake())}})
	})
	ha, _ := access.Find(logins, "homeassistant")
	sc := topic.Default()
	w := testbroker.WatchAs(t, m.URL(), ha.Name, ha.Password, "homefleet/#")
	if !w.WaitFor(20*time.Second, func(w *testbroker.Watcher) bool {
		var hs wire.HubState
		m, ok := w.Latest(sc.State(topic.HubID))
		return ok && json.Unmarshal(m.Payload, &hs) == nil && hs.Devices["nas"] == topic.Online
	}) {
		t.Fatalf("the hub never saw nas online: %v", w.Snapshot())
	}
	w.Publish(t, sc.Command("nas", "refresh"), []byte("PRESS"), false)
	if !w.WaitFor(20*time.Second, func(w *testbroker.Watcher) bool {
		var ev wire.Event
		m, ok := w.Latest(sc.Event("nas"))
		return ok && json.Unmarshal(m.Payload, &ev) == nil && ev.Verb == "refresh" && ev.OK
	}) {
		t.Fatalf("HA's Refresh did not run on nas: %v", w.Snapshot())
	}
}
