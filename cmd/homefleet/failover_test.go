//go:build linux && !race

// The 20-kill failover runs the hubs as processes (the race detector
// would not see into them) and takes minutes: it runs in the plain pass.

package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/testetcd"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// hubMember is one hub process of the failover pair.
type hubMember struct {
	name, cfg string
	cmd       *exec.Cmd
}

func (h *hubMember) start(t *testing.T, bin string, log *os.File) {
	t.Helper()
	h.cmd = exec.Command(bin, "hub", "--config", h.cfg) //nolint:gosec // the test's own binary
	h.cmd.Stdout, h.cmd.Stderr = log, log
	must(t, h.cmd.Start())
}

func (h *hubMember) kill() {
	_ = h.cmd.Process.Signal(syscall.SIGKILL)
	_ = h.cmd.Wait()
}

// leaderAfter waits for the election document to name a leader other
// than not, published after t0; it returns the leader and when.
func leaderAfter(t *testing.T, w *testbroker.Watcher, not string, t0 time.Time, within time.Duration) (string, time.Time) {
	t.Helper()
	var got wire.Leader
	var at time.Time
	if !w.WaitFor(within, func(w *testbroker.Watcher) bool {
		m, ok := w.Latest(topic.Default().HubLeader())
		if !ok || !m.At.After(t0) {
			return false
		}
		d, err := wire.DecodeLeader(m.Payload)
		got, at = d, m.At
		return err == nil && d.Leader != "" && d.Leader != not
	}) {
		t.Fatalf("no new leader (other than %q) within %s; last document %+v", not, within, got)
	}
	return got.Leader, at
}

// memberOnline waits for a hub member's session to say online after t0.
func memberOnline(t *testing.T, w *testbroker.Watcher, name string, t0 time.Time) {
	t.Helper()
	if !w.WaitFor(30*time.Second, func(w *testbroker.Watcher) bool {
		m, ok := w.Latest(topic.Default().HubMemberStatus(name))
		return ok && m.At.After(t0) && string(m.Payload) == topic.Online
	}) {
		t.Fatalf("hub %s did not come online (as a follower) within 30 s", name)
	}
}

// TestLeaderKilledTwentyTimes runs two hubs on one Mosquitto and one
// etcd, with the default 5 s lease. The leader is killed with SIGKILL 20
// times (each time the other hub has taken over, the killed one comes
// back as the follower). A backup window is open and a DDNS record due:
// across all the takeovers the backup job is sent once and the address
// written once, since every action is claimed in etcd under the leader's
// fence first.
func TestLeaderKilledTwentyTimes(t *testing.T) {
	m := testbroker.StartMosquitto(t, "")
	etcd := testetcd.Start(t, 1)
	bin := buildHomefleet(t)
	hook := &countingWebhook{writes: map[string]int{}}
	ddnsSrv := httptest.NewServer(hook)
	defer ddnsSrv.Close()
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("81.2.69.142")) }))
	defer echo.Close()
	dir := t.TempDir()
	due := time.Now().UTC().Add(-time.Minute)
	hubs := []*hubMember{{name: "hub-a"}, {name: "hub-b"}}
	for _, h := range hubs {
		h.cfg = filepath.Join(dir, h.name+".yaml")
		must(t, os.WriteFile(h.cfg, fmt.Appendf(nil, `mqtt: {url: %q, keepalive: 5s, backoff_min: 100ms, backoff_max: 1s}
store: %s
leader: {etcd: [%s], name: %s}
schedules:
  - {name: nightly, device: nas, kind: backup, cron: "%d %d * * *", timezone: UTC, window: 2h, job: backup}
public_ip:
  quorum: 1
  sources: [{name: echo, kind: https, url: %q, family: 4}]
ddns:
  providers: [{name: hook, kind: webhook, url: "%s/update?host={name}&ip={ip}", method: GET, success: OK}]
  records: [{name: home.example.com, zone: example.com, provider: hook, verify: false}]
log: {level: info}
`, m.URL(), filepath.Join(dir, h.name+".db"), strings.Join(etcd.Endpoints(), ", "), h.name, due.Minute(), due.Hour(), echo.URL, ddnsSrv.URL), 0o600))
	}
	sc := topic.Default()
	w := testbroker.Watch(t, m.URL(), sc.HubLeader(), sc.Status(topic.HubID), "homefleet/hub/member/+/status", "homefleet/nas/cmd/#")
	w.Publish(t, sc.Status("nas"), []byte("online"), true)
	logf, err := os.Create(filepath.Join(dir, "hubs.log"))
	must(t, err)
	defer logf.Close()
	defer func() {
		for _, h := range hubs {
			h.kill()
		}
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("hub logs:\n%s", b)
		}
	}()
	t0 := time.Now()
	hubs[0].start(t, bin, logf)
	lead, _ := leaderAfter(t, w, "", t0, 60*time.Second)
	started := time.Now()
	hubs[1].start(t, bin, logf)
	memberOnline(t, w, hubs[1].name, started)

	byName := map[string]*hubMember{hubs[0].name: hubs[0], hubs[1].name: hubs[1]}
	var takeovers []time.Duration
	for kill := range 20 {
		time.Sleep(time.Duration(300+(kill*137)%1500) * time.Millisecond) // a different moment of the lease each time
		killed := byName[lead]
		at := time.Now()
		killed.kill()
		next, when := leaderAfter(t, w, lead, at, 30*time.Second)
		takeovers = append(takeovers, when.Sub(at))
		restarted := time.Now()
		killed.start(t, bin, logf)
		memberOnline(t, w, killed.name, restarted)
		lead = next
	}
	out, err := exec.Command(bin, "hub", "status", "--config", hubs[0].cfg).CombinedOutput() //nolint:gosec // the test's own binary
	if err != nil || !strings.Contains(string(out), "leader:  "+lead+" ") || !strings.Contains(string(out), "schedule/nightly/job") {
		t.Errorf("hub status (%v) does not name %s as leader and the backup job as done:\n%s", err, lead, out)
	}
	w.Sync(t)
	jobs := 0
	for _, msg := range w.Messages() {
		if msg.Topic == sc.RunJob("nas", "backup") {
			jobs++
		}
	}
	if jobs != 1 {
		t.Errorf("the backup job was sent %d times over 20 leader kills, want once", jobs)
	}
	if n := hook.count("81.2.69.142"); n != 1 {
		t.Errorf("the DDNS address was written %d times over 20 leader kills, want once", n)
	}
	if st, ok := w.Latest(sc.Status(topic.HubID)); !ok || string(st.Payload) != topic.Online {
		t.Errorf("the hub device's availability is %q after the last takeover, want online", st.Payload)
	}
	slices.Sort(takeovers)
	t.Logf("20 leader SIGKILLs, 5 s lease: takeover min %s, median %s, max %s; backup job sent %d time(s), DDNS written %d time(s)",
		takeovers[0].Round(time.Millisecond), takeovers[len(takeovers)/2].Round(time.Millisecond), takeovers[len(takeovers)-1].Round(time.Millisecond),
		jobs, hook.count("81.2.69.142"))
	for _, d := range takeovers {
		if d > 15*time.Second {
			t.Errorf("a takeover took %s, the target is 15 s", d.Round(time.Millisecond))
		}
	}
}
