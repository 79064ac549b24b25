package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/homefleet/homefleet/hub"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

func TestWakeBadInput(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"wake"}, "device name or MAC address to wake is required"},
		{[]string{"wake", "nas"}, "pass --broker"},
		{[]string{"wake", "aa:bb:cc"}, `bad MAC address "aa:bb:cc"`},
		{[]string{"wake", "02:11:22:33:44:55", "--password", "hunter2"}, "--password"},
		{[]string{"wake", "02:11:22:33:44:55", "--to", "nowhere"}, `--to "nowhere"`},
	}
	for _, tt := range tests {
		r := runCmd(t, nil, tt.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: code %d, stderr %q", tt.args, r.code, r.stderr)
		}
	}
}

// TestWakeCapturedByTshark sends magic packets to 127.0.0.1 with
// `homefleet wake` while tshark captures loopback and decodes them as
// Wake-on-LAN.
func TestWakeCapturedByTshark(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0") // a port nobody else uses
	if err != nil {
		t.Fatal(err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	defer pc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// tshark's WoL dissector is a UDP heuristic: it recognizes the magic
	// packet on any port.
	capture := testbroker.Tshark(t, ctx, "-f", "udp dst port "+strconv.Itoa(port), "-c", "3", "-T", "fields", "-e", "wol.mac", "-e", "wol.passwd")
	start := time.Now()
	r := runCmd(t, nil, "wake", "02:11:22:33:44:55", "--to", "127.0.0.1:"+strconv.Itoa(port), "--spacing", "20ms", "--password", "10.0.0.1")
	if r.code != 0 {
		t.Fatalf("wake: %+v", r)
	}
	lines := capture.Lines()
	t.Logf("%s; tshark decoded %q in %s", strings.TrimSpace(r.stdout), lines, time.Since(start).Round(time.Millisecond))
	if len(lines) != 3 {
		t.Fatalf("tshark decoded %d packets, want 3: %q", len(lines), lines)
	}
	for _, l := range lines {
		macs, passwd, _ := strings.Cut(l, "\t")
		for _, m := range strings.Split(macs, ",") { // the 16 repetitions of the target
			if m != "02:11:22:33:44:55" {
				t.Errorf("tshark decoded MAC %q, want 02:11:22:33:44:55", m)
			}
		}
		if passwd == "" {
			t.Errorf("tshark found no SecureOn password in %q", l)
		}
	}
}

// TestWakeByName asks the hub to wake "nas"; the hub knows its MAC from
// the agent's network identity (broadcast on loopback only) and the CLI
// reports when the fake agent comes online.
func TestWakeByName(t *testing.T) {
	b := testbroker.Embedded(t)
	cfg := config.Hub{MQTT: config.MQTT{URL: b.URL()}, Store: ":memory:", Wake: config.Wake{NoLimitedBroadcast: true, Timeout: 10 * time.Second}}
	cfg.SetDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	h, err := hub.Start(ctx, cfg, "test", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = h.Wait() }()
	sc := topic.Default()
	w := testbroker.Watch(t, b.URL(), "homefleet/#")
	netDoc, _ := json.Marshal(wire.Net{V: 1, Interfaces: []wire.NetInterface{{Name: "eth0", MAC: "02:11:22:33:44:55", Broadcast: []string{"127.255.255.255"}}}})
	w.Publish(t, sc.Net("nas"), netDoc, true)
	w.Publish(t, sc.Status("nas"), []byte("offline"), true)
	go func() { // the fake agent wakes up once the hub sent its packets
		if w.WaitFor(15*time.Second, func(w *testbroker.Watcher) bool {
			m, ok := w.Latest(sc.HubWake("nas"))
			return ok && strings.Contains(string(m.Payload), `"sent"`)
		}) {
			w.Publish(t, sc.Status("nas"), []byte("online"), true)
		}
	}()
	time.Sleep(300 * time.Millisecond) // the hub learns the target
	r := runCmd(t, nil, "wake", "nas", "--broker", b.URL(), "--timeout", "20s")
	if r.code != 0 || !strings.Contains(r.stdout, "nas is online after") {
		t.Errorf("code %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
}

// TestWakeFromTheShell: Ctrl-C says cancelled with the shell's 130, a
// --confirm-tcp without a port is refused at once, and a machine that is
// already up is reported as such (nothing is sent).
func TestWakeFromTheShell(t *testing.T) {
	r := runCmd(t, nil, "wake", "02:11:22:33:44:55", "--to", "127.0.0.1:9", "--confirm-tcp", "nope")
	if r.code != exitUsage || !strings.Contains(r.stderr, `--confirm-tcp "nope"`) {
		t.Errorf("confirm-tcp without a port: %+v", r)
	}
	up, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer up.Close()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	must(t, err)
	defer pc.Close()
	r = runCmd(t, nil, "wake", "02:11:22:33:44:55", "--to", pc.LocalAddr().String(), "--confirm-tcp", up.Addr().String())
	if r.code != 0 || !strings.Contains(r.stdout, "already awake") || strings.Contains(r.stdout, "magic packets for") {
		t.Errorf("already awake: %+v", r)
	}
	closed := testbroker.FreePort(t)
	for _, args := range [][]string{
		{"wake", "02:11:22:33:44:55", "--to", pc.LocalAddr().String(), "--spacing", "1ms", "--confirm-tcp", closed, "--timeout", "1h"},
		{"wake", "nas", "--broker", "mqtt://" + closed, "--timeout", "1h"},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan result, 1)
		go func() { done <- runCtx(ctx, nil, args...) }()
		time.Sleep(200 * time.Millisecond) // Ctrl-C while it waits
		cancel()
		r := <-done
		if r.code != exitCancelled || !strings.Contains(r.stderr, "cancelled") || strings.Contains(r.stderr, "did not wake") {
			t.Errorf("%v, Ctrl-C: %+v", args[1], r)
		}
	}
}
