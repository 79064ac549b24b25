package internet

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/homefleet/homefleet/hub/feature"
	"github.com/homefleet/homefleet/hub/feature/featuretest"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/internal/service"
	"github.com/homefleet/homefleet/internal/testbroker"
)

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
