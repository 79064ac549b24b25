package mqttc

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/testbroker"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

func TestBackoff(t *testing.T) {
	lo, hi := time.Second, 60*time.Second
	for attempt := range 20 {
		ceil := min(hi, lo<<min(attempt, 10))
		for range 200 {
			d := backoff(attempt, lo, hi)
			if d < lo || d > ceil {
				t.Fatalf("attempt %d: %s outside [%s, %s]", attempt, d, lo, ceil)
			}
		}
	}
	// Full jitter: late attempts spread over the whole range, not bunched at the cap.
	var below int
	for range 1000 {
		if backoff(30, lo, hi) < hi/2 {
			below++
		}
	}
	if below < 300 || below > 700 {
		t.Errorf("want about half the waits below cap/2, got %d of 1000", below)
	}
}

func mqttCfg(url string) config.MQTT {
	m := config.MQTT{URL: url, BackoffMin: 50 * time.Millisecond, BackoffMax: time.Second, FirstConnect: 2 * time.Second}
	a := config.Agent{MQTT: m}
	a.SetDefaults()
	return a.MQTT
}

// roundTrip connects, subscribes, publishes to itself and disconnects.
func roundTrip(t *testing.T, m config.MQTT) {
	t.Helper()
	got := make(chan string, 1)
	c, err := New(Options{MQTT: m, ClientID: "rt-" + t.Name(), StatusTopic: "homefleet/rt/status"})
	if err != nil {
		t.Fatal(err)
	}
	c.Subscribe("homefleet/rt/echo", func(_ string, p []byte, _ bool) error { got <- string(p); return nil })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for !c.Connected() && time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("run ended: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	time.Sleep(100 * time.Millisecond) // subscription settles
	if err := c.Publish(ctx, "homefleet/rt/echo", []byte("hi"), false); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-got:
		if p != "hi" {
			t.Errorf("got %q", p)
		}
	case <-time.After(5 * time.Second):
		t.Error("no echo")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("clean stop returned %v", err)
	}
	if err := c.Publish(context.Background(), "x", nil, false); !errors.Is(err, ErrNotConnected) {
		t.Errorf("publish after stop: want ErrNotConnected, got %v", err)
	}
}

func TestRoundTripEmbedded(t *testing.T) {
	roundTrip(t, mqttCfg(testbroker.Embedded(t).URL()))
}

// TestTLSMosquitto runs the session over mqtts:// with a CA and a client
// certificate against a real Mosquitto that requires both.
func TestTLSMosquitto(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := newCA(t)
	writePEM(t, filepath.Join(dir, "ca.pem"), "CERTIFICATE", ca.Raw)
	issue(t, dir, "server", ca, caKey, true)
	issue(t, dir, "client", ca, caKey, false)
	m := testbroker.StartMosquitto(t, "cafile "+filepath.Join(dir, "ca.pem")+"\ncertfile "+filepath.Join(dir, "server.pem")+
		"\nkeyfile "+filepath.Join(dir, "server.key")+"\nrequire_certificate true\n")
	cfg := mqttCfg("mqtts://" + m.Addr)
	cfg.TLS = config.TLS{CAFile: filepath.Join(dir, "ca.pem"), CertFile: filepath.Join(dir, "client.pem"), KeyFile: filepath.Join(dir, "client.key")}
	roundTrip(t, cfg)

	// Without the client certificate the broker refuses: a clear error, no hang.
	cfg.TLS.CertFile, cfg.TLS.KeyFile = "", ""
	cfg.FirstConnect = 300 * time.Millisecond
	c, err := New(Options{MQTT: cfg, ClientID: "nocert", StatusTopic: "homefleet/x/status"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Run(context.Background()); !errors.Is(err, ErrUnreachable) {
		t.Errorf("want ErrUnreachable without client cert, got %v", err)
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

func newCA(t *testing.T) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "homefleet test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return ca, key
}

func issue(t *testing.T, dir, name string, ca *x509.Certificate, caKey *ecdsa.PrivateKey, server bool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, filepath.Join(dir, name+".pem"), "CERTIFICATE", der)
	writePEM(t, filepath.Join(dir, name+".key"), "EC PRIVATE KEY", kb)
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o644); err != nil { //nolint:gosec // test
		t.Fatal(err)
	}
}

// TestReconnectAtOnce: after a resume the session is dropped and opened
// again without waiting for a backoff, and the birth message goes out.
func TestReconnectAtOnce(t *testing.T) {
	b := testbroker.Embedded(t)
	cfg := mqttCfg(b.URL())
	cfg.BackoffMin, cfg.BackoffMax = 10*time.Minute, 20*time.Minute // a backoff would never end in this test
	connects := make(chan struct{}, 4)
	c, err := New(Options{MQTT: cfg, ClientID: "kick", StatusTopic: "homefleet/kick/status", OnConnect: func() { connects <- struct{}{} }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	select {
	case <-connects:
	case <-time.After(5 * time.Second):
		t.Fatal("no first connection")
	}
	c.Reconnect()
	select {
	case <-connects: // at once: any backoff would be 10 minutes or more
	case <-time.After(time.Minute):
		t.Fatal("no reconnection after Reconnect (did it wait for a backoff?)")
	}
	cancel()
	if err := <-done; err != nil {
		t.Error(err)
	}
}
