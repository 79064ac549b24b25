package hub

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/homefleet/homefleet/internal/access"
	"github.com/homefleet/homefleet/internal/access/accesstest"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
)

// TestEmbeddedBrokerRequiresLogins: a broker that needs logins (here
// require_logins on loopback, the code path of a LAN listener) generates
// them into the state directory (0600), says in the log where they are and
// what to enter in HA without any password, keeps them across restarts,
// and enforces the access table.
func TestEmbeddedBrokerRequiresLogins(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state", "credentials.yaml")
	cfg := config.Hub{Broker: config.Broker{Listen: "127.0.0.1:0", RequireLogins: true},
		Logins: config.Logins{File: file, Agents: []string{"nas", "pc"}}, Store: ":memory:"}
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	start := func() (*Hub, string, func()) {
		log, buf := testbroker.Logger(t)
		ctx, cancel := context.WithCancel(context.Background())
		h, err := Start(ctx, cfg, "1.0.0", log)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		return h, buf.String(), func() { cancel(); _ = h.Wait() }
	}
	h, logs, stop := start()
	logins, err := access.Load(file)
	if err != nil || len(logins) != 4 {
		t.Fatalf("logins %v, %v", logins, err)
	}
	if st, _ := os.Stat(file); st.Mode().Perm() != 0o600 {
		t.Errorf("credentials mode %v", st.Mode())
	}
	for _, want := range []string{file, "username homeassistant", "generated broker logins"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	for _, l := range logins {
		if strings.Contains(logs, l.Password) {
			t.Errorf("the log shows %s's password:\n%s", l.Name, logs)
		}
	}
	accesstest.Run(t, h.ListenURL(), logins)
	stop()

	_, logs, stop = start()
	defer stop()
	again, _ := access.Load(file)
	for i := range logins {
		if again[i] != logins[i] {
			t.Errorf("login %s changed on restart", logins[i].Name)
		}
	}
	if strings.Contains(logs, "generated broker logins") {
		t.Errorf("restart generated logins again:\n%s", logs)
	}
}

// TestEmbeddedBrokerServesTLS: with tls_cert_file the main listener speaks
// only TLS; a client trusting the CA connects with its login (the hub's
// own session uses a loopback listener of its own).
func TestEmbeddedBrokerServesTLS(t *testing.T) {
	ca := testbroker.NewCA(t, "homefleet test CA")
	leaf := ca.Issue(t, "hub.test", time.Now().Add(-time.Hour), time.Now().Add(time.Hour), false)
	file := filepath.Join(t.TempDir(), "credentials.yaml")
	h := startHub(t, config.Hub{Broker: config.Broker{Listen: "127.0.0.1:0", RequireLogins: true, TLSCertFile: leaf.CertFile, TLSKeyFile: leaf.KeyFile},
		Logins: config.Logins{File: file, Agents: []string{"nas"}}})
	if !strings.HasPrefix(h.ListenURL(), "mqtts://127.0.0.1:") {
		t.Fatalf("listen URL %q", h.ListenURL())
	}
	logins, err := access.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	nas, _ := access.Find(logins, "nas")
	m := config.MQTT{URL: h.ListenURL(), Username: nas.Name, Password: nas.Password, TLS: config.TLS{CAFile: ca.File}, FirstConnect: 5 * time.Second}
	a := config.Agent{MQTT: m}
	a.SetDefaults()
	c, err := mqttc.New(mqttc.Options{MQTT: a.MQTT, ClientID: "tls-nas", StatusTopic: topic.Default().Status("nas")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	w := testbroker.WatchAs(t, "mqtt://"+h.localAddr(), topic.HubID, hubPassword(t, file), "homefleet/+/status")
	if !w.WaitFor(10*time.Second, func(w *testbroker.Watcher) bool { return w.Has(topic.Default().Status("nas"), []byte(topic.Online)) }) {
		t.Error("nas never came online over TLS")
	}
	cancel()
	if err := <-done; err != nil {
		t.Error(err)
	}
	plain := strings.Replace(h.ListenURL(), "mqtts://", "mqtt://", 1)
	a.MQTT.URL, a.MQTT.TLS, a.MQTT.FirstConnect = plain, config.TLS{}, 500*time.Millisecond
	c2, _ := mqttc.New(mqttc.Options{MQTT: a.MQTT, ClientID: "plain-nas"})
	if err := c2.Run(context.Background()); err == nil {
		t.Error("a plain MQTT client connected to the TLS listener")
	}
}

func hubPassword(t *testing.T, file string) string {
	t.Helper()
	logins, err := access.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := access.Find(logins, topic.HubID)
	return l.Password
}
