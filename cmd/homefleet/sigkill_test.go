//go:build linux

package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/homefleet/homefleet/hub/store"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
)

// countingWebhook is a DDNS provider's endpoint that counts the writes of
// each address.
type countingWebhook struct {
	mu     sync.Mutex
	writes map[string]int
}

func (c *countingWebhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.writes[r.URL.Query().Get("ip")]++
	c.mu.Unlock()
	_, _ = w.Write([]byte("OK"))
}

func (c *countingWebhook) count(ip string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writes[ip]
}

// historyRows counts each disk's stored rows and checks the database.
func historyRows(t *testing.T, path string) (map[string]int, string) {
	t.Helper()
	st, err := store.Open(path)
	must(t, err)
	defer st.Close()
	ok, err := st.IntegrityCheck(context.Background())
	must(t, err)
	refs, err := st.Disks(context.Background())
	must(t, err)
	out := map[string]int{}
	for _, r := range refs {
		h, err := st.History(context.Background(), r.Device, r.Disk)
		must(t, err)
		out[r.Device+"/"+r.Disk] = len(h)
	}
	return out, ok
}

// TestHubKilledTwentyTimes kills the hub with SIGKILL 20 times while
// disk readings pour in, a backup window is open and a DDNS record is due:
// after every kill the database is intact and holds every row it held
// before; across all the restarts the backup job is sent once and the
// DDNS address written once.
func TestHubKilledTwentyTimes(t *testing.T) {
	m := testbroker.StartMosquitto(t, "")
	bin := buildHomefleet(t)
	hook := &countingWebhook{writes: map[string]int{}}
	ddnsSrv := httptest.NewServer(hook)
	defer ddnsSrv.Close()
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("81.2.69.142")) }))
	defer echo.Close()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "hub.db")
	due := time.Now().UTC().Add(-time.Minute) // the window opened a minute ago
	cfg := filepath.Join(dir, "hub.yaml")
	must(t, os.WriteFile(cfg, fmt.Appendf(nil, `mqtt: {url: %q, keepalive: 5s, backoff_min: 100ms, backoff_max: 1s}
store: %s
schedules:
  - {name: nightly, device: nas, kind: backup, cron: "%d %d * * *", timezone: UTC, window: 2h, job: backup}
public_ip:
  quorum: 1
  sources: [{name: echo, kind: https, url: %q, family: 4}]
ddns:
  providers: [{name: hook, kind: webhook, url: "%s/update?host={name}&ip={ip}", method: GET, success: OK}]
  records: [{name: home.example.com, zone: example.com, provider: hook, verify: false}]
log: {level: info}
`, m.URL(), dbPath, due.Minute(), due.Hour(), echo.URL, ddnsSrv.URL), 0o600))

	sc := topic.Default()
	w := testbroker.Watch(t, m.URL(), sc.Status(topic.HubID), "homefleet/nas/cmd/#")
	w.Publish(t, sc.Status("nas"), []byte("online"), true) // the backup's device is up
	ctx, stopWriting := context.WithCancel(context.Background())
	var writers sync.WaitGroup
	writers.Go(func() { // the heavy writes: ten disks whose counts keep changing
		pub := testbroker.Watch(t, m.URL(), "homefleet-test/none")
		for i := uint64(1); ctx.Err() == nil; i++ {
			for d := range 10 {
				pub.Publish(t, sc.Disk("nas", fmt.Sprintf("wd-k%d", d)), diskDocument(20000+i, i), true)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	defer func() { stopWriting(); writers.Wait() }()

	var ups []time.Duration
	before := map[string]int{}
	logPath := filepath.Join(dir, "hub.log")
	logf, err := os.Create(logPath)
	must(t, err)
	defer logf.Close()
	for kill := range 20 {
		cmd := exec.Command(bin, "hub", "--config", cfg) //nolint:gosec // the test's own binary
		cmd.Stdout, cmd.Stderr = logf, logf
		started := time.Now()
		must(t, cmd.Start())
		up := status(t, w, topic.HubID, "online", 60*time.Second)
		ups = append(ups, up.Sub(started))
		time.Sleep(time.Duration(200+(kill*137)%1800) * time.Millisecond) // kill at a different moment each time
		must(t, cmd.Process.Signal(syscall.SIGKILL))
		_ = cmd.Wait()
		w.Publish(t, sc.Status(topic.HubID), []byte("offline"), true) // the will may still be on its way; say it ourselves
		rows, ok := historyRows(t, dbPath)
		if ok != "ok" {
			t.Fatalf("kill %d: integrity_check says %q", kill+1, ok)
		}
		for disk, n := range before {
			if rows[disk] < n {
				t.Fatalf("kill %d: %s has %d rows, it had %d: committed history was lost", kill+1, disk, rows[disk], n)
			}
		}
		before = rows
	}
	stopWriting()
	writers.Wait()
	w.Sync(t)
	jobs := 0
	for _, msg := range w.Messages() {
		if msg.Topic == sc.RunJob("nas", "backup") {
			jobs++
		}
	}
	if jobs != 1 {
		t.Errorf("the backup job was sent %d times over 20 kills, want once", jobs)
	}
	if n := hook.count("81.2.69.142"); n != 1 {
		t.Errorf("the DDNS address was written %d times over 20 kills, want once", n)
	}
	total := 0
	for _, n := range before {
		total += n
	}
	slices.Sort(ups)
	t.Logf("20 SIGKILLs: %d history rows kept, integrity ok each time; hub online after start: min %s, median %s, max %s",
		total, ups[0].Round(time.Millisecond), ups[len(ups)/2].Round(time.Millisecond), ups[len(ups)-1].Round(time.Millisecond))
	if t.Failed() {
		b, _ := os.ReadFile(logPath)
		t.Logf("hub log:\n%s", b)
	}
}
