package testbroker

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// Message is one message a Watcher received.
type Message struct {
	Topic    string
	Payload  []byte
	Retained bool
	At       time.Time
}

// Watcher is an HA-like consumer: it subscribes to filters, reconnects on
// its own when the broker restarts, and records every message.
type Watcher struct {
	client paho.Client
	mu     sync.Mutex
	msgs   []Message
	latest map[string]Message
	notify chan struct{}
	// syncTopic is the watcher's own topic for Sync's markers.
	syncTopic string
	syncs     int
}

// Watch connects a watcher to url and subscribes to filters.
func Watch(t testing.TB, url string, filters ...string) *Watcher {
	t.Helper()
	return watch(t, url, "", "", "homefleet-test/sync/", filters)
}

// WatchAs is Watch logged in as user, e.g. the Home Assistant login of a
// broker with an ACL; its Sync markers go where that login may write and
// read (a command topic of the reserved test device).
func WatchAs(t testing.TB, url, user, password string, filters ...string) *Watcher {
	t.Helper()
	return watch(t, url, user, password, "homefleet/homefleet-test/cmd/sync-", filters)
}

func watch(t testing.TB, url, user, password, syncPrefix string, filters []string) *Watcher {
	t.Helper()
	w := &Watcher{latest: map[string]Message{}, notify: make(chan struct{}, 1)}
	subs := map[string]byte{}
	for _, f := range filters {
		subs[f] = 0 // QoS 0: see mqttc.SubscribeQoS (mochi parks some QoS 1 deliveries)
	}
	w.syncTopic = syncPrefix + strconv.FormatInt(time.Now().UnixNano(), 36)
	subs[w.syncTopic] = 0
	subscribed := make(chan struct{}, 1)
	opts := paho.NewClientOptions().AddBroker(url).SetClientID("watcher-" + t.Name() + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)).
		SetAutoReconnect(true).SetMaxReconnectInterval(200 * time.Millisecond).
		SetConnectRetry(true).SetConnectRetryInterval(100 * time.Millisecond).
		SetCleanSession(true).SetUsername(user).SetPassword(password).
		SetOnConnectHandler(func(c paho.Client) { // runs in its own goroutine
			c.SubscribeMultiple(subs, w.record).WaitTimeout(5 * time.Second)
			select {
			case subscribed <- struct{}{}:
			default:
			}
		})
	w.client = paho.NewClient(opts)
	if tok := w.client.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("watcher connecting to %s: %v", url, tok.Error())
	}
	select { // return only once subscribed: later messages must not be missed
	case <-subscribed:
	case <-time.After(10 * time.Second):
		t.Fatalf("watcher not subscribed to %v on %s", filters, url)
	}
	t.Cleanup(func() { w.client.Disconnect(100) })
	return w
}

func (w *Watcher) record(_ paho.Client, m paho.Message) {
	msg := Message{Topic: m.Topic(), Payload: append([]byte(nil), m.Payload()...), Retained: m.Retained(), At: time.Now()}
	w.mu.Lock()
	w.msgs = append(w.msgs, msg)
	w.latest[msg.Topic] = msg
	w.mu.Unlock()
	select {
	case w.notify <- struct{}{}:
	default:
	}
}

// Publish sends a message as a third party (HA, a user, a prankster).
func (w *Watcher) Publish(t testing.TB, topic string, payload []byte, retained bool) {
	t.Helper()
	if tok := w.client.Publish(topic, 1, retained, payload); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("publishing %s: %v", topic, tok.Error())
	}
}

// Flood sends payload to topic n times as fast as the connection takes
// them (QoS 0, no acknowledgement to wait for), like a stuck button.
func (w *Watcher) Flood(t testing.TB, topic string, payload []byte, n int) {
	t.Helper()
	var last paho.Token
	for range n {
		last = w.client.Publish(topic, 0, false, payload)
	}
	if last != nil && (!last.WaitTimeout(10*time.Second) || last.Error() != nil) {
		t.Fatalf("flooding %s: %v", topic, last.Error())
	}
}

// Latest returns the last message on topic.
func (w *Watcher) Latest(topic string) (Message, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	m, ok := w.latest[topic]
	return m, ok
}

// Messages returns a copy of everything received.
func (w *Watcher) Messages() []Message {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Message(nil), w.msgs...)
}

// Snapshot returns the latest payload per topic.
func (w *Watcher) Snapshot() map[string][]byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[string][]byte, len(w.latest))
	for t, m := range w.latest {
		out[t] = m.Payload
	}
	return out
}

// Reset forgets everything received so far.
func (w *Watcher) Reset() {
	w.mu.Lock()
	w.msgs = nil
	w.latest = map[string]Message{}
	w.mu.Unlock()
}

// WaitFor waits until cond holds over the received messages or timeout.
func (w *Watcher) WaitFor(timeout time.Duration, cond func(w *Watcher) bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		if cond(w) {
			return true
		}
		select {
		case <-w.notify:
		case <-deadline.C:
			return cond(w)
		}
	}
}

// Quiet waits until no message on a topic starting with prefix has
// arrived for a whole period (a publisher's paced burst has ended),
// or timeout; it reports whether it became quiet.
func (w *Watcher) Quiet(prefix string, period, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	count := func() int {
		n := 0
		for _, m := range w.Messages() {
			if strings.HasPrefix(m.Topic, prefix) {
				n++
			}
		}
		return n
	}
	for last := count(); time.Now().Before(deadline); {
		time.Sleep(period)
		n := count()
		if n == last {
			return true
		}
		last = n
	}
	return false
}

// Sync returns once the broker delivered a marker the watcher published
// after everything before it: retained messages of its filters arrive
// before any later message, so after Sync "nothing retained" is a fact,
// not a timeout.
func (w *Watcher) Sync(t testing.TB) {
	t.Helper()
	w.syncs++
	marker := []byte("sync-" + strconv.Itoa(w.syncs))
	w.Publish(t, w.syncTopic, marker, false)
	if !w.WaitFor(15*time.Second, func(w *Watcher) bool { return w.Has(w.syncTopic, marker) }) {
		t.Fatalf("watcher marker %s not delivered", marker)
	}
}

// Has reports whether a message on topic with payload (nil: any) arrived.
func (w *Watcher) Has(topic string, payload []byte) bool {
	m, ok := w.Latest(topic)
	return ok && (payload == nil || string(m.Payload) == string(payload))
}

// Eventually polls cond until it holds or bound passes (a bound on a
// failing test, not a timing the test asserts).
func Eventually(bound time.Duration, cond func() bool) bool {
	for end := time.Now().Add(bound); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}
