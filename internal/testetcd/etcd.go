// Package testetcd runs Debian's etcd-server on loopback for tests: one
// member or a cluster of three, each on free ports, each killable and
// restartable like a crashed machine.
package testetcd

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/homefleet/homefleet/internal/peer"
	"github.com/homefleet/homefleet/internal/testbroker"
)

// Cluster is a running etcd cluster of real etcd processes.
type Cluster struct {
	t       testing.TB
	bin     string
	members []*Member
	initial string // the --initial-cluster of every member
}

// Member is one etcd process.
type Member struct {
	Name         string
	Client, Peer string // host:port
	dir          string
	proc         *peer.Proc
}

// Start starts a cluster of n members (1 or 3) and waits until it
// answers; it skips (fails in CI) through the peer helper without etcd.
// Its ports are fixed when the members are named (etcd takes no :0), so
// one taken meanwhile by another process makes a member exit: the
// cluster is then started again on fresh ports, up to three times.
func Start(t testing.TB, n int) *Cluster {
	t.Helper()
	c := &Cluster{t: t, bin: peer.Binary(t, "etcd", "etcd-server")}
	t.Cleanup(c.Stop)
	var err error
	for range 3 {
		c.members = nil
		var initial []string
		for i := range n {
			m := &Member{Name: fmt.Sprintf("e%d", i), Client: testbroker.FreePort(t), Peer: testbroker.FreePort(t), dir: filepath.Join(t.TempDir(), "data")}
			c.members = append(c.members, m)
			initial = append(initial, m.Name+"=http://"+m.Peer)
		}
		c.initial = strings.Join(initial, ",")
		for i := range c.members {
			c.start(i)
		}
		if err = c.readyAll(); err == nil {
			return c
		}
		c.Stop()
	}
	t.Fatal(err)
	return nil
}

func (c *Cluster) readyAll() error {
	for i := range c.members {
		if err := c.ready(i); err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) start(i int) {
	c.t.Helper()
	m := c.members[i]
	cmd := exec.CommandContext(context.Background(), c.bin, "--name", m.Name, "--data-dir", m.dir,
		"--listen-client-urls", "http://"+m.Client, "--advertise-client-urls", "http://"+m.Client,
		"--listen-peer-urls", "http://"+m.Peer, "--initial-advertise-peer-urls", "http://"+m.Peer,
		"--initial-cluster", c.initial, "--initial-cluster-state", "new", "--initial-cluster-token", "homefleet-test",
		"--heartbeat-interval", "100", "--election-timeout", "1000", "--log-level", "error", "--logger", "zap")
	if testing.Verbose() {
		cmd.Stderr = os.Stderr
	}
	p, err := peer.Start(cmd)
	if err != nil {
		c.t.Fatalf("starting etcd %s: %v", m.Name, err)
	}
	m.proc = p
}

// Endpoints are the client URLs of every member.
func (c *Cluster) Endpoints() []string {
	out := make([]string, 0, len(c.members))
	for _, m := range c.members {
		out = append(out, "http://"+m.Client)
	}
	return out
}

// Kill stops member i hard (SIGKILL).
func (c *Cluster) Kill(i int) {
	c.members[i].proc.Kill()
	c.members[i].proc = nil
}

// Restart starts a killed member i again on its data and ports.
func (c *Cluster) Restart(i int) {
	c.t.Helper()
	c.start(i)
	if err := c.ready(i); err != nil {
		c.t.Fatal(err)
	}
}

// ready waits until member i listens and reports itself healthy: it has
// a raft leader and serves reads, so after a restart it is back in the
// quorum (a member that merely listens may still be catching up, and
// killing another one then would take the quorum with it).
func (c *Cluster) ready(i int) error {
	m := c.members[i]
	if err := m.proc.Listening(m.Client, 20*time.Second); err != nil {
		return fmt.Errorf("etcd member %s: %w", m.Name, err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !healthy(m.Client) {
		if time.Now().After(deadline) {
			return fmt.Errorf("etcd member %s is not healthy within 20s", m.Name)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

// healthy asks a member's /health endpoint.
func healthy(addr string) bool {
	cl := http.Client{Timeout: time.Second}
	resp, err := cl.Get("http://" + addr + "/health")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var h struct {
		Health string `json:"health"`
	}
	return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&h) == nil && h.Health == "true"
}

// Stop kills every member still running.
func (c *Cluster) Stop() {
	for _, m := range c.members {
		if m.proc != nil {
			m.proc.Kill()
			m.proc = nil
		}
	}
}
