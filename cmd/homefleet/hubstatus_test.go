package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/homefleet/homefleet/internal/testetcd"
)

func TestHubStatusAlone(t *testing.T) {
	r := runCmd(t, nil, "hub", "status")
	if r.code != exitOK || !strings.Contains(r.stdout, "alone") {
		t.Errorf("hub status of a hub without leader: = %d %q %q", r.code, r.stdout, r.stderr)
	}
}

// hub status against a real etcd, before any hub campaigns and while
// one leads (an in-process hub is not needed: the status reads etcd).
func TestHubStatusReadsTheElection(t *testing.T) {
	etcd := testetcd.Start(t, 1)
	cfg := filepath.Join(t.TempDir(), "hub.yaml")
	must(t, os.WriteFile(cfg, []byte("mqtt: {url: mqtt://127.0.0.1:1}\nleader: {etcd: ["+strings.Join(etcd.Endpoints(), ", ")+"], name: hub-a}\n"), 0o600))
	r := runCmd(t, nil, "hub", "status", "--config", cfg)
	if r.code != exitOK || !strings.Contains(r.stdout, "leader:  none") {
		t.Fatalf("hub status with nobody campaigning = %d %q %q", r.code, r.stdout, r.stderr)
	}
	etcd.Kill(0)
	start := time.Now()
	r = runCmd(t, nil, "hub", "status", "--config", cfg)
	if r.code == exitOK || !strings.Contains(r.stderr, "etcd") {
		t.Errorf("hub status without etcd = %d %q %q, want an error naming etcd", r.code, r.stdout, r.stderr)
	}
	t.Logf("hub status gave up on a dead etcd after %s", time.Since(start).Round(time.Millisecond))
}
