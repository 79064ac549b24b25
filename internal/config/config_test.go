package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func noEnv(string) (string, bool) { return "", false }

func envMap(m map[string]string) LookupEnv {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestMinimalAgent(t *testing.T) {
	cfg, err := LoadAgent(writeFile(t, "mqtt:\n  url: mqtt://nas.lan:1883\n"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Collect.Interval != 10*time.Second || cfg.Collect.Heartbeat != time.Minute || cfg.MQTT.BackoffMax != time.Minute {
		t.Errorf("defaults not applied: %+v", cfg)
	}
	if cfg.MQTT.Base != "homefleet" || cfg.MQTT.Discovery != "homeassistant" {
		t.Errorf("topic defaults: %+v", cfg.MQTT)
	}
}

func TestAgentValidation(t *testing.T) {
	tests := []struct {
		name, yaml, field, value string
	}{
		{"no url", "log: {level: info}\n", "mqtt.url", ""},
		{"bad scheme", "mqtt: {url: 'http://nas:1883'}\n", "mqtt.url", "http://nas:1883"},
		{"no port", "mqtt: {url: 'mqtt://nas'}\n", "mqtt.url", "mqtt://nas"},
		{"short interval", "mqtt: {url: 'mqtt://nas:1883'}\ncollect: {interval: 100ms}\n", "collect.interval", "100ms"},
		{"heartbeat below interval", "mqtt: {url: 'mqtt://nas:1883'}\ncollect: {interval: 30s, heartbeat: 10s}\n", "collect.heartbeat", "10s"},
		{"bad device id", "mqtt: {url: 'mqtt://nas:1883'}\ndevice: {id: 'My NAS'}\n", "device.id", "My NAS"},
		{"bad log level", "mqtt: {url: 'mqtt://nas:1883'}\nlog: {level: loud}\n", "log.level", "loud"},
		{"cert without key", "mqtt: {url: 'mqtts://nas:8883', tls: {cert_file: /nonexistent/c.pem}}\n", "mqtt.tls.cert_file", "/nonexistent/c.pem"},
		{"tls files on plain mqtt", "mqtt: {url: 'mqtt://nas:1883', tls: {ca_file: /etc/hostname}}\n", "mqtt.url", "mqtt://nas:1883"},
		{"password without user", "mqtt: {url: 'mqtt://nas:1883', password: s3cret}\n", "mqtt.username", ""},
		{"backoff inverted", "mqtt: {url: 'mqtt://nas:1883', backoff_min: 10s, backoff_max: 1s}\n", "mqtt.backoff_max", "1s"},
		{"bad discovery prefix", "mqtt: {url: 'mqtt://nas:1883', discovery_prefix: 'home/assistant'}\n", "mqtt.discovery_prefix", "home/assistant"},
		{"evacuate without destination", "mqtt: {url: 'mqtt://nas:1883'}\nevacuate: {command: [rsync, '{mounts}', /x]}\n", "evacuate.destination", ""},
		{"evacuate to a relative path", "mqtt: {url: 'mqtt://nas:1883'}\nevacuate: {destination: backup}\n", "evacuate.destination", "backup"},
		{"evacuate placeholder", "mqtt: {url: 'mqtt://nas:1883'}\nevacuate: {destination: /b, command: [cp, -r, '{mount}', /b]}\n", "evacuate.command", "cp -r {mount} /b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadAgent(writeFile(t, tt.yaml), noEnv)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("want ErrInvalid, got %v", err)
			}
			var fe FieldError
			found := false
			for _, e := range unjoin(err) {
				if errors.As(e, &fe) && fe.Field == tt.field && fe.Value == tt.value {
					found = true
				}
			}
			if !found {
				t.Errorf("no error naming %s=%q in: %v", tt.field, tt.value, err)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error leaks a secret: %v", err)
			}
		})
	}
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestMalformedYAML(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"syntax", "mqtt: [url\n", "parsing config"},
		{"unknown key", "mqtt: {url: 'mqtt://a:1', passwd: x}\n", "passwd"},
		{"wrong type", "collect: {interval: soon}\n", "line 1: cannot unmarshal !!str `soon` into time.Duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadAgent(writeFile(t, tt.yaml), noEnv)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("want ErrInvalid naming %q, got %v", tt.want, err)
			}
		})
	}
	if _, err := LoadAgent("/nonexistent/agent.yaml", noEnv); err == nil || !strings.Contains(err.Error(), "/nonexistent/agent.yaml") {
		t.Errorf("missing file must name the path: %v", err)
	}
}

func TestEnvOverridesAndSecretFile(t *testing.T) {
	secret := writeFile(t, "hunter2\n")
	cfg, err := LoadAgent(writeFile(t, "mqtt: {url: 'mqtt://file:1883', username: ha}\n"), envMap(map[string]string{
		"HOMEFLEET_MQTT_URL":                      "mqtts://env:8883",
		"HOMEFLEET_MQTT_PASSWORD_FILE":            secret,
		"HOMEFLEET_COLLECT_INTERVAL":              "20s",
		"HOMEFLEET_COLLECT_INTERFACES":            "eth0, wg0",
		"HOMEFLEET_MQTT_TLS_INSECURE_SKIP_VERIFY": "true",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MQTT.URL != "mqtts://env:8883" || cfg.MQTT.Password != "hunter2" || cfg.Collect.Interval != 20*time.Second {
		t.Errorf("env not applied: %+v", cfg)
	}
	if len(cfg.Collect.Interfaces) != 2 || cfg.Collect.Interfaces[1] != "wg0" || !cfg.MQTT.TLS.InsecureSkipVerify {
		t.Errorf("list/bool env not applied: %+v", cfg.Collect)
	}
	s := cfg.String()
	if strings.Contains(s, "hunter2") || !strings.Contains(s, "REDACTED") {
		t.Errorf("String() must redact the password:\n%s", s)
	}
	if !strings.Contains(s, "interval: 20s") {
		t.Errorf("String() should show durations readably:\n%s", s)
	}
}

func TestEnvErrors(t *testing.T) {
	_, err := LoadAgent("", envMap(map[string]string{"HOMEFLEET_COLLECT_INTERVAL": "often"}))
	if err == nil || !strings.Contains(err.Error(), "HOMEFLEET_COLLECT_INTERVAL") || !strings.Contains(err.Error(), "often") {
		t.Errorf("bad env value must name the variable and value: %v", err)
	}
	_, err = LoadAgent("", envMap(map[string]string{"HOMEFLEET_MQTT_URL": "mqtt://a:1", "HOMEFLEET_MQTT_PASSWORD_FILE": "/nonexistent/pw"}))
	if err == nil || !strings.Contains(err.Error(), "mqtt.password_file") {
		t.Errorf("unreadable secret file must name the field: %v", err)
	}
}

func TestHub(t *testing.T) {
	h, err := LoadHub("", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if !h.Embedded() || h.Broker.Listen != "127.0.0.1:1883" || h.Broker.NeedsLogins() {
		t.Errorf("hub defaults to the embedded broker on loopback, no logins: %+v", h)
	}
	_, err = LoadHub(writeFile(t, "broker: {listen: 'nope', username: u}\n"), noEnv)
	for _, want := range []string{"broker.listen", "broker.username"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want error naming %s, got %v", want, err)
		}
	}
	_, err = LoadHub(writeFile(t, "broker: {username: u, password: pw}\n"), noEnv)
	if err == nil || !strings.Contains(err.Error(), "no longer used") || strings.Contains(err.Error(), "pw") {
		t.Errorf("the old single broker login is refused with advice, not echoing the password: %v", err)
	}
	h, err = LoadHub(writeFile(t, "mqtt: {url: 'mqtt://nas:1883', username: u, password: pw}\n"), noEnv)
	if err != nil || strings.Contains(h.String(), "pw\n") {
		t.Errorf("hub String must redact: %v\n%s", err, h.String())
	}
}

func TestHubWakeTargets(t *testing.T) {
	good := "wake:\n  targets:\n    - {name: tv, mac: 'aa:bb:cc:dd:ee:ff', broadcast: 192.168.1.255, password: 'sesame'}\n"
	h, err := LoadHub(writeFile(t, good), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if s := h.String(); strings.Contains(s, "sesame") || !strings.Contains(s, "REDACTED") {
		t.Errorf("wake target password not redacted:\n%s", s)
	}
	if h.Wake.Targets[0].Password != "sesame" {
		t.Error("String() must not change the config")
	}
	bad := "wake:\n  targets:\n    - {name: tv, mac: 'aa:bb', broadcast: nowhere}\n    - {name: tv, mac: 'aa:bb:cc:dd:ee:ff', broadcast: 10.0.0.255, confirm_tcp: 'x'}\n"
	_, err = LoadHub(writeFile(t, bad), noEnv)
	for _, want := range []string{`wake.targets[0].mac: "aa:bb"`, `wake.targets[0].broadcast: "nowhere"`, `wake.targets[1].name: "tv": duplicate`, `wake.targets[1].confirm_tcp: "x"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %s in %v", want, err)
		}
	}
}

func TestHubSchedules(t *testing.T) {
	bad := `schedules:
  - {name: nightly, device: nas, kind: backup, cron: "0 3 * * *", timezone: Mars/Base}
  - {name: nightly, device: "My NAS", kind: nap, cron: ""}
`
	_, err := LoadHub(writeFile(t, bad), noEnv)
	for _, want := range []string{`schedules[0].timezone: "Mars/Base"`, `schedules[0].job: "": required`, `schedules[1].name: "nightly": duplicate`,
		`schedules[1].device: "My NAS"`, `schedules[1].kind: "nap"`, `schedules[1].cron: "": required`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %s in %v", want, err)
		}
	}
	h, err := LoadHub(writeFile(t, "schedules:\n  - {name: night, device: pc, kind: sleep, cron: \"0 23 * * *\"}\n"), noEnv)
	if err != nil || h.Schedules[0].IdleMinutes != 30 || h.Schedules[0].Misfire != time.Hour {
		t.Errorf("defaults: %+v %v", h.Schedules, err)
	}
}

func TestHubInternet(t *testing.T) {
	bad := `public_ip:
  quorum: -1
  sources:
    - {name: a, kind: https, url: "http://echo.example/"}
    - {name: a, kind: dns, server: resolver1, family: 5}
    - {kind: upnp, url: "router"}
    - {kind: natpmp, server: gateway}
    - {kind: stun}
ddns:
  providers:
    - {name: cf, kind: cloudflare}
    - {name: cf, kind: route53}
    - {name: nokind}
  records:
    - {name: home, provider: cf}
    - {name: nas.example.com, type: A, device: nas, provider: nope, ttl: 100000}
    - {name: nas.example.com, type: A, provider: cf, ns: [ns1]}
probes:
  - {name: smb, kind: smb}
  - {name: smb, kind: ping, target: x}
  - {name: web, kind: http, target: "nas:80"}
`
	_, err := LoadHub(writeFile(t, bad), noEnv)
	for _, want := range []string{
		`public_ip.quorum: "-1"`, `public_ip.sources[0].url: "http://echo.example/": must be https://`,
		`public_ip.sources[1].name: "a": duplicate`, `public_ip.sources[1].family: "5"`, `public_ip.sources[1].server: "resolver1": want host:port`,
		`public_ip.sources[1].query: "": required`, `public_ip.sources[2].url: "router"`, `public_ip.sources[3].server: "gateway"`, `public_ip.sources[4].kind: "stun"`,
		`ddns.providers[1].name: "cf": duplicate`, `ddns.providers[2].kind: "": required`,
		`ddns.records[0].name: "home": want a fully qualified name`, `ddns.records[1].provider: "nope"`, `ddns.records[1].device: "nas": only AAAA`,
		`ddns.records[1].ttl: "100000"`, `ddns.records[2].name: "nas.example.com": duplicate A record`, `ddns.records[2].ns[0]: "ns1"`,
		`probes[0].target: "": required`, `probes[1].name: "smb": duplicate`, `probes[1].kind: "ping"`, `probes[2].target: "nas:80": want an http(s):// URL`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %s in %v", want, err)
		}
	}
	good := `public_ip:
  sources: [{kind: https, url: "https://api.ipify.org"}, {kind: https, url: "http://127.0.0.1:8080/"}]
ddns:
  providers: [{name: cf, kind: cloudflare, token: s3cret}]
  records: [{name: home.example.com, provider: cf}]
probes: [{name: nas, kind: smb, target: nas.lan}]
`
	h, err := LoadHub(writeFile(t, good), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	r := h.DDNS.Records[0]
	if r.Zone != "" || r.Type != "A" || r.TTL != 300 || !r.VerifyOn() || h.PublicIP.Quorum != 2 || h.PublicIP.Sources[0].Name != "https1" || h.Probes[0].Interval != time.Minute {
		t.Errorf("defaults: %+v %+v %+v", r, h.PublicIP, h.Probes)
	}
	if s := h.String(); strings.Contains(s, "s3cret") {
		t.Errorf("token not redacted:\n%s", s)
	}
	// A provider's secret settings come from <name>_file too, and stay
	// redacted; other settings print as they are.
	secret := writeFile(t, "tsig-s3cret\n")
	h, err = LoadHub(writeFile(t, `ddns:
  providers: [{name: home, kind: rfc2136, server: "192.168.1.2:53", tsig_name: hf, token_file: `+secret+`}]
  records: [{name: nas.home.example.com, device: nas, type: AAAA, provider: home}]
`), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.DDNS.Providers[0].Settings["token"]; got != "tsig-s3cret" {
		t.Errorf("token_file not read: %q", got)
	}
	if s := h.String(); strings.Contains(s, "tsig-s3cret") || !strings.Contains(s, "tsig_name: hf") {
		t.Errorf("provider settings printed wrong:\n%s", s)
	}
	if _, err := LoadHub(writeFile(t, "ddns:\n  providers: [{name: p, kind: duckdns, token_file: /nonexistent/x}]\n"), noEnv); err == nil ||
		!strings.Contains(err.Error(), "ddns.providers[0].token_file") {
		t.Errorf("unreadable secret file: %v", err)
	}
}
