package mqttc

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/testbroker"
)

// tlsMosquitto runs Mosquitto with a TLS listener serving leaf; with
// clientCA it requires a client certificate signed by it.
func tlsMosquitto(t *testing.T, leaf testbroker.Leaf, clientCA string) *testbroker.Mosquitto {
	t.Helper()
	l := "certfile " + leaf.CertFile + "\nkeyfile " + leaf.KeyFile
	if clientCA != "" {
		l += "\ncafile " + clientCA + "\nrequire_certificate true"
	}
	return testbroker.StartMosquittoWith(t, testbroker.MosquittoConfig{Anonymous: true, Listener: l})
}

// firstConnect runs a session until it connects or gives up; it returns
// Run's error (nil once connected and stopped) and the log.
func firstConnect(t *testing.T, m config.MQTT) (error, string) {
	t.Helper()
	log, buf := testbroker.Logger(t)
	m.FirstConnect = 3 * time.Second
	c, err := New(Options{MQTT: m, ClientID: "tls-" + t.Name(), StatusTopic: "homefleet/tls/status", Logger: log})
	if err != nil {
		return err, buf.String()
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	for {
		select {
		case err := <-done:
			return err, buf.String()
		case <-time.After(20 * time.Millisecond):
			if c.Connected() {
				cancel()
				return <-done, buf.String()
			}
		}
	}
}

func TestTLSGoodCAAndClientCertificate(t *testing.T) {
	ca := testbroker.NewCA(t, "homefleet test CA")
	m := tlsMosquitto(t, ca.Issue(t, "broker.test", time.Now().Add(-time.Hour), time.Now().Add(time.Hour), false), ca.File)
	client := ca.Issue(t, "nas", time.Now().Add(-time.Hour), time.Now().Add(time.Hour), true)
	cfg := mqttCfg("mqtts://" + m.Addr)
	cfg.TLS = config.TLS{CAFile: ca.File, CertFile: client.CertFile, KeyFile: client.KeyFile}
	roundTrip(t, cfg)

	cfg.TLS.CertFile, cfg.TLS.KeyFile = "", "" // the broker requires one
	if err, _ := firstConnect(t, cfg); err == nil {
		t.Error("connected without the client certificate the broker requires")
	}
}

// TestTLSWrongCA: the error names the CA file and the certificate the
// broker showed, and comes at once (a retry cannot fix it).
func TestTLSWrongCA(t *testing.T) {
	ca, other := testbroker.NewCA(t, "homefleet test CA"), testbroker.NewCA(t, "some other CA")
	m := tlsMosquitto(t, ca.Issue(t, "broker.test", time.Now().Add(-time.Hour), time.Now().Add(time.Hour), false), "")
	cfg := mqttCfg("mqtts://" + m.Addr)
	cfg.TLS.CAFile = other.File
	err, _ := firstConnect(t, cfg)
	if !errors.Is(err, ErrTLS) {
		t.Fatalf("want ErrTLS, got %v", err)
	}
	for _, want := range []string{other.File, "CN=broker.test", "CN=homefleet test CA", "mqtt.tls.ca_file"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if errors.Is(err, ErrUnreachable) {
		t.Errorf("a certificate problem was retried until the timeout: %v", err)
	}
}

func TestTLSExpiredServerCertificate(t *testing.T) {
	ca := testbroker.NewCA(t, "homefleet test CA")
	expired := time.Now().Add(-time.Hour)
	m := tlsMosquitto(t, ca.Issue(t, "broker.test", time.Now().Add(-48*time.Hour), expired, false), "")
	cfg := mqttCfg("mqtts://" + m.Addr)
	cfg.TLS.CAFile = ca.File
	err, _ := firstConnect(t, cfg)
	if !errors.Is(err, ErrTLS) || !strings.Contains(err.Error(), "expired") || !strings.Contains(err.Error(), expired.UTC().Format(time.DateOnly)) ||
		!strings.Contains(err.Error(), "CN=broker.test") {
		t.Errorf("want a clear expiry error naming the certificate and the date, got %v", err)
	}
}

func TestTLSInsecureSkipVerifyWarns(t *testing.T) {
	ca := testbroker.NewCA(t, "homefleet test CA")
	m := tlsMosquitto(t, ca.Issue(t, "broker.test", time.Now().Add(-time.Hour), time.Now().Add(time.Hour), false), "")
	cfg := mqttCfg("mqtts://" + m.Addr)
	cfg.TLS.InsecureSkipVerify = true
	err, logs := firstConnect(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "insecure_skip_verify") {
		t.Errorf("no warning about insecure_skip_verify:\n%s", logs)
	}
}

func TestBadCAFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(p, []byte("not a cert"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := mqttCfg("mqtts://127.0.0.1:8883")
	cfg.TLS.CAFile = p
	if _, err := New(Options{MQTT: cfg, StatusTopic: "s"}); !errors.Is(err, ErrTLS) {
		t.Errorf("want ErrTLS, got %v", err)
	}
}
