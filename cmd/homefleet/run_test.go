package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/homefleet/homefleet/internal/access"
	"github.com/homefleet/homefleet/internal/testbroker"
)

type result struct {
	code           int
	stdout, stderr string
}

func runCmd(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	return runCtx(context.Background(), env, args...)
}

func runCtx(ctx context.Context, env map[string]string, args ...string) result {
	var out, errb bytes.Buffer
	code := run(ctx, args, &out, &errb, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	return result{code, out.String(), errb.String()}
}

func TestHelp(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, exitUsage, "Commands:"},
		{[]string{"--help"}, exitOK, "Commands:"},
		{[]string{"agent", "--help"}, exitOK, "-config"},
		{[]string{"hub", "--help"}, exitOK, "embedded MQTT broker"},
		{[]string{"demo", "--help"}, exitOK, "-listen"},
		{[]string{"check-config", "--help"}, exitOK, "-role"},
		{[]string{"discovery", "--help"}, exitOK, "discovery print"},
		{[]string{"discovery", "print", "--help"}, exitOK, "-config"},
		{[]string{"version", "--help"}, exitOK, "version"},
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"agent", "--nope"}, exitUsage, "flag provided but not defined"},
		{[]string{"version", "extra"}, exitUsage, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := runCmd(t, nil, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr+r.stdout, tt.want) {
				t.Errorf("code %d (want %d), output lacks %q:\n%s%s", r.code, tt.code, tt.want, r.stdout, r.stderr)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	r := runCmd(t, nil, "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "homefleet dev ") {
		t.Errorf("%+v", r)
	}
}

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	must(t, os.WriteFile(good, []byte("mqtt:\n  url: mqtt://nas.lan:1883\n  username: ha\n  password: topsecret\n"), 0o600))
	must(t, os.WriteFile(bad, []byte("mqtt:\n  url: htp://nas\ncollect:\n  interval: 1ms\n"), 0o600))

	r := runCmd(t, nil, "check-config", "--config", good)
	if r.code != 0 || strings.Contains(r.stdout, "topsecret") || !strings.Contains(r.stdout, "REDACTED") {
		t.Errorf("good config: %+v", r)
	}
	r = runCmd(t, nil, "check-config", "--config", bad)
	if r.code != exitError {
		t.Errorf("bad config must exit %d, got %d", exitError, r.code)
	}
	for _, want := range []string{`mqtt.url: "htp://nas"`, `collect.interval: "1ms"`} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("error lacks %q:\n%s", want, r.stderr)
		}
	}
	r = runCmd(t, map[string]string{"HOMEFLEET_MQTT_URL": "mqtt://a:1"}, "check-config")
	if r.code != 0 {
		t.Errorf("env-only config must pass: %+v", r)
	}
	r = runCmd(t, nil, "check-config", "--role", "hub")
	if r.code != 0 || !strings.Contains(r.stdout, "listen: 127.0.0.1:1883") {
		t.Errorf("default hub config: %+v", r)
	}
	ddnsHub := filepath.Join(dir, "hub.yaml")
	for echo, want := range map[string]string{
		"http://echo.example/":  `public_ip.sources[0].url: "http://echo.example/": must be https://`,
		"https://echo.example/": "ddns.providers home: rfc2136 provider config: token (the TSIG secret) must be base64",
	} {
		must(t, os.WriteFile(ddnsHub, []byte(`ddns:
  providers: [{name: home, kind: rfc2136, server: "127.0.0.1:53", tsig_name: k, token: "not base64!"}]
  records: [{name: nas.home.test, provider: home}]
public_ip: {sources: [{kind: https, url: "`+echo+`"}]}
`), 0o600))
		r = runCmd(t, nil, "check-config", "--role", "hub", "--config", ddnsHub)
		if r.code != exitError || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "not base64!") {
			t.Errorf("echo %s: %+v, want %s", echo, r, want)
		}
	}
	r = runCmd(t, nil, "check-config", "--role", "fridge")
	if r.code != exitUsage {
		t.Errorf("bad role: %+v", r)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestAgentErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no broker", nil, "mqtt.url"},
		{"unreachable", map[string]string{"HOMEFLEET_MQTT_URL": "mqtt://" + testbroker.FreePort(t), "HOMEFLEET_MQTT_CONNECT_TIMEOUT": "300ms",
			"HOMEFLEET_MQTT_BACKOFF_MIN": "50ms", "HOMEFLEET_MQTT_BACKOFF_MAX": "100ms"}, "broker unreachable after 300ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, tt.env, "agent")
			if r.code != exitError || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("code %d, stderr lacks %q:\n%s", r.code, tt.want, r.stderr)
			}
			if n := strings.Count(r.stderr, "homefleet agent:"); n != 1 {
				t.Errorf("want exactly one final error line, got %d", n)
			}
		})
	}
}

func TestAgentWrongPassword(t *testing.T) {
	b, _ := testbroker.EmbeddedWithLogins(t, access.Login{Name: "ha", Role: access.RoleHA, Password: "right"})
	r := runCmd(t, map[string]string{"HOMEFLEET_MQTT_URL": b.URL(), "HOMEFLEET_MQTT_USERNAME": "ha", "HOMEFLEET_MQTT_PASSWORD": "wrong"}, "agent")
	if r.code != exitError || !strings.Contains(r.stderr, "broker refused the connection") || strings.Contains(r.stderr, "wrong") {
		t.Errorf("code %d:\n%s", r.code, r.stderr)
	}
}

// TestDemo starts the demo on a free loopback port, sees the agent's state
// arrive through the embedded broker, then stops it like Ctrl-C does.
func TestDemo(t *testing.T) {
	addr := testbroker.FreePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	var r result
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r = runCtx(ctx, nil, "demo", "--listen", addr, "--interval", "1s", "--log-level", "warn")
	}()
	deadline := time.Now().Add(10 * time.Second)
	var w *testbroker.Watcher
	for w == nil && time.Now().Before(deadline) {
		if c, err := dialOK(addr); err == nil && c {
			w = testbroker.Watch(t, "mqtt://"+addr, "homefleet/#", "homeassistant/#")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if w == nil {
		cancel()
		wg.Wait()
		t.Fatalf("demo broker never listened: %+v", r)
	}
	ok := w.WaitFor(20*time.Second, func(w *testbroker.Watcher) bool {
		states, discs := 0, 0
		for tp := range w.Snapshot() {
			if strings.HasSuffix(tp, "/state") {
				states++
			}
			if strings.HasPrefix(tp, "homeassistant/device/") {
				discs++
			}
		}
		return states >= 2 && discs >= 2 // the agent's and the hub's
	})
	cancel()
	wg.Wait()
	if !ok {
		t.Fatalf("demo did not publish agent and hub state; saw %v", w.Snapshot())
	}
	if r.code != 0 {
		t.Errorf("demo exit code %d after Ctrl-C:\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, `msg=""`) {
		t.Errorf("a log line without words on stop:\n%s", r.stderr)
	}
	if !strings.Contains(r.stdout, "mqtt://"+addr) || !strings.Contains(r.stdout, "Home Assistant") || !strings.Contains(r.stdout, "MQTT Explorer") {
		t.Errorf("banner must say where to point HA and MQTT Explorer:\n%s", r.stdout)
	}
}

func TestDemoPortBusy(t *testing.T) {
	b := testbroker.Embedded(t)
	r := runCmd(t, nil, "demo", "--listen", b.Addr())
	_, port, _ := net.SplitHostPort(b.Addr())
	if r.code != exitError || !strings.Contains(r.stderr, "embedded broker cannot listen on "+b.Addr()) ||
		!strings.Contains(r.stderr, "port "+port+" is taken") || !strings.Contains(r.stderr, "choose another with --listen") {
		t.Errorf("code %d:\n%s", r.code, r.stderr)
	}
}
