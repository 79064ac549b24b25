package mqttc

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/eclipse/paho.mqtt.golang/packets"

	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	t.Cleanup(func() { _ = client.Close(); _ = server.Close() })
	return client, server
}

// TestConnectCarriesTheKeepalive: paho runs with keepalive 0, and the
// CONNECT the broker reads (parsed by paho's own packet reader) carries
// the configured keepalive, for MQTT 3.1.1 and 3.1.
func TestConnectCarriesTheKeepalive(t *testing.T) {
	for _, version := range []byte{4, 3} {
		cp := packets.NewControlPacket(packets.Connect).(*packets.ConnectPacket)
		cp.ProtocolVersion = version
		cp.ProtocolName = map[byte]string{4: "MQTT", 3: "MQIsdp"}[version]
		cp.ClientIdentifier = "ka"
		cp.UsernameFlag, cp.Username = true, "agent"
		c, s := tcpPair(t)
		k := keepAlive(c, 90*time.Second, time.Second)
		go func() { _ = cp.Write(k) }()
		got, err := packets.ReadPacket(s)
		if err != nil {
			t.Fatalf("v%d: reading the CONNECT: %v", version, err)
		}
		conn, ok := got.(*packets.ConnectPacket)
		if !ok || conn.Keepalive != 90 || conn.ClientIdentifier != "ka" || conn.Username != "agent" {
			t.Errorf("v%d: broker read %v", version, got)
		}
		_ = k.Close()
	}
}

// TestKeepConnPingsAndGivesUp: an idle connection sends PINGREQ once per
// keepalive; when the broker stops answering, the connection is closed
// after the ping timeout and the reader's error says why.
func TestKeepConnPingsAndGivesUp(t *testing.T) {
	c, s := tcpPair(t)
	k := keepAlive(c, 50*time.Millisecond, 200*time.Millisecond)
	readErr := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, k) // paho's reader: sees the end
		readErr <- err
	}()
	for i := range 2 {
		p, err := packets.ReadPacket(s)
		if err != nil {
			t.Fatalf("ping %d: %v", i, err)
		}
		if _, ok := p.(*packets.PingreqPacket); !ok {
			t.Fatalf("ping %d: broker read %v, want PINGREQ", i, p)
		}
		if err := packets.NewControlPacket(packets.Pingresp).Write(s); err != nil {
			t.Fatal(err)
		}
	}
	if p, err := packets.ReadPacket(s); err != nil { // the third ping goes unanswered
		t.Fatal(err)
	} else if _, ok := p.(*packets.PingreqPacket); !ok {
		t.Fatalf("broker read %v, want PINGREQ", p)
	}
	_ = s.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := s.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("broker side: want the client to close (EOF), got %v", err)
	}
	select {
	case err := <-readErr:
		if !errors.Is(err, ErrPingTimeout) {
			t.Errorf("reader's error: want ErrPingTimeout, got %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the reader never saw the connection end")
	}
}

// TestKeepaliveHoldsAnIdleSession: against Mosquitto, which drops a
// client silent for 1.5 keepalives and publishes its will, a session with
// a 1 s keepalive stays up through 4 s of silence.
func TestKeepaliveHoldsAnIdleSession(t *testing.T) {
	m := testbroker.StartMosquitto(t, "")
	w := testbroker.Watch(t, m.URL(), "homefleet/idle/status")
	cfg := mqttCfg(m.URL())
	cfg.KeepAlive = time.Second
	c, err := New(Options{MQTT: cfg, ClientID: "idle", StatusTopic: "homefleet/idle/status"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	online := func(w *testbroker.Watcher) bool {
		last, ok := w.Latest("homefleet/idle/status")
		return ok && string(last.Payload) == topic.Online
	}
	if !w.WaitFor(10*time.Second, online) {
		t.Fatal("never online")
	}
	time.Sleep(4 * time.Second)
	for _, msg := range w.Messages() {
		if string(msg.Payload) == topic.Offline {
			t.Fatalf("the broker dropped the idle session (will published): %v", w.Messages())
		}
	}
	if !c.Connected() {
		t.Error("the idle session was lost")
	}
	cancel()
	if err := <-done; err != nil {
		t.Error(err)
	}
}

// TestCoalescedReads: with coalescing, a read soon after the last one
// waits out the window first, except while a request awaits its answer
// or the last read filled the buffer (a burst); every packet comes
// through the buffer whole.
func TestCoalescedReads(t *testing.T) {
	c, s := tcpPair(t)
	k := keepAlive(c, time.Hour, time.Hour)
	k.Coalesce(time.Hour) // every read is "soon after" the last
	var waits int
	k.co.wait = func(time.Duration) { waits++ }
	publish := func(topic string, size int) {
		p := packets.NewControlPacket(packets.Publish).(*packets.PublishPacket)
		p.TopicName, p.Payload = topic, make([]byte, size)
		if err := p.Write(s); err != nil {
			t.Fatal(err)
		}
	}
	read := func(want string) {
		t.Helper()
		p, err := packets.ReadPacket(k)
		if err != nil {
			t.Fatal(err)
		}
		if pub, ok := p.(*packets.PublishPacket); !ok || pub.TopicName != want {
			t.Fatalf("read %v, want a publish on %s", p, want)
		}
	}
	publish("a", 10)
	read("a") // the first read does not wait
	publish("b", 10)
	read("b")
	if waits != 1 {
		t.Fatalf("a read soon after the last: %d waits, want 1", waits)
	}
	req := packets.NewControlPacket(packets.Subscribe).(*packets.SubscribePacket)
	req.Topics, req.Qoss, req.MessageID = []string{"x"}, []byte{1}, 1
	if err := req.Write(k); err != nil {
		t.Fatal(err)
	}
	if _, err := packets.ReadPacket(s); err != nil {
		t.Fatal(err)
	}
	publish("c", 10)
	read("c")
	if waits != 1 {
		t.Fatalf("a read awaiting an answer waited: %d waits", waits)
	}
	for i := range 8 { // 80 kB, all in the socket before the first read: more than the 32 kB buffer
		publish(string(rune('d'+i)), 10<<10)
	}
	read("d") // waits once: nothing marks the burst yet
	for i := 1; i < 8; i++ {
		read(string(rune('d' + i)))
	}
	if waits != 2 {
		t.Errorf("a burst: %d waits, want 1 (a read after a full buffer must not wait)", waits-1)
	}
}

// TestCoalescedReadWakesOnARequest: a read waiting out its window (an
// hour here) reads at once when a request is written meanwhile, so the
// request's acknowledgement is not held back.
func TestCoalescedReadWakesOnARequest(t *testing.T) {
	c, s := tcpPair(t)
	k := keepAlive(c, time.Hour, time.Hour)
	k.Coalesce(time.Hour)
	ack := func(id uint16) {
		p := packets.NewControlPacket(packets.Puback).(*packets.PubackPacket)
		p.MessageID = id
		if err := p.Write(s); err != nil {
			t.Fatal(err)
		}
	}
	ack(1)
	if _, err := packets.ReadPacket(k); err != nil { // the first read does not wait
		t.Fatal(err)
	}
	got := make(chan packets.ControlPacket, 1)
	go func() {
		p, _ := packets.ReadPacket(k) // waits: nothing asked since the last read
		got <- p
	}()
	pub := packets.NewControlPacket(packets.Publish).(*packets.PublishPacket)
	pub.TopicName, pub.Qos, pub.MessageID = "homefleet/x", 1, 2
	if err := pub.Write(k); err != nil {
		t.Fatal(err)
	}
	if _, err := packets.ReadPacket(s); err != nil {
		t.Fatal(err)
	}
	ack(2)
	select {
	case p := <-got:
		if a, ok := p.(*packets.PubackPacket); !ok || a.MessageID != 2 {
			t.Errorf("read %v, want the PUBACK of 2", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the acknowledgement waited for the window")
	}
}
