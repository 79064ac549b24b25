// Package accesstest proves a running broker enforces internal/access:
// one matrix of logins, publishes and subscriptions, run against the
// embedded broker and the real Mosquitto alike. Import from tests only.
package accesstest

import (
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/homefleet/homefleet/internal/access"
	"github.com/homefleet/homefleet/internal/topic"
)

// Run checks the broker at url against fleet, which holds a hub login, a
// Home Assistant login and two agents: anonymous clients and wrong
// passwords are refused; each publish reaches a subscriber that may read
// everything or not (proven by a marker the same client sends after it);
// an agent cannot read another agent's commands, even through a wildcard;
// the HA login reads everything.
func Run(t *testing.T, url string, fleet []access.Login) {
	t.Helper()
	hubL, haL := nth(t, fleet, access.RoleHub, 0), nth(t, fleet, access.RoleHA, 0)
	aL, bL := nth(t, fleet, access.RoleAgent, 0), nth(t, fleet, access.RoleAgent, 1)
	a, b, ha := aL.Name, bL.Name, haL.Name
	byName := map[string]access.Login{hubL.Name: hubL, ha: haL, a: aL, b: bL}

	for _, c := range []struct{ user, pass string }{{"", ""}, {a, "wrong"}, {"stranger", "x"}} {
		if cl, err := connect(url, c.user, c.pass); err == nil {
			cl.Disconnect(0)
			t.Errorf("login %q/%q accepted", c.user, c.pass)
		}
	}
	sc := topic.Default()
	hub := mustConnect(t, url, hubL)
	seen := subscribe(t, hub, sc.Everything(), sc.EverythingHA())
	publishes := []struct {
		who, topic string
		allowed    bool
	}{
		{a, sc.State(a), true},
		{a, sc.NodeDiscovery(a, a+"_sda"), true},
		{a, sc.Discovery(a), true},
		{a, sc.State(b), false},
		{a, sc.Status(b), false},
		{a, sc.Command(a, "sleep"), false},
		{a, sc.Command(b, "sleep"), false},
		{a, sc.Discovery(b), false},
		{a, sc.NodeDiscovery(b, b+"_sda"), false},
		{a, sc.HAStatus(), false},
		{a, sc.State(topic.HubID), false},
		{ha, sc.Command(a, "sleep"), true},
		{ha, sc.HAStatus(), true},
		{ha, sc.State(a), false},
		{ha, sc.Discovery(a), false},
		{hubL.Name, sc.Command(b, "sleep"), true},
		{hubL.Name, sc.NodeDiscovery(topic.HubID, a+"_wake"), true},
	}
	clients := map[string]paho.Client{hubL.Name: hub}
	for i, p := range publishes {
		c := clients[p.who]
		if c == nil {
			c = mustConnect(t, url, byName[p.who])
			clients[p.who] = c
		}
		payload := "case-" + strconv.Itoa(i)
		c.Publish(p.topic, 0, false, payload).Wait()
		marker := sc.Event(p.who)
		if p.who == ha {
			marker = sc.Command("marker", "x")
		}
		c.Publish(marker, 0, false, payload).Wait()
		if !seen.waitFor(marker, payload) {
			t.Fatalf("%s: marker %s not delivered", p.who, marker)
		}
		if got := seen.has(p.topic, payload); got != p.allowed {
			t.Errorf("%s publishing %s: delivered %t, want %t", p.who, p.topic, got, p.allowed)
		}
	}

	agent := mustConnect(t, url, aL)
	agentSeen := subscribe(t, agent, sc.Commands(a), sc.Commands(b), sc.EveryCommand(), "#")
	haSeen := subscribe(t, mustConnect(t, url, haL), "#")
	hub.Publish(sc.Command(b, "shutdown"), 0, false, "for-"+b).Wait()
	hub.Publish(sc.Command(a, "refresh"), 0, false, "for-"+a).Wait()
	if !agentSeen.waitFor(sc.Command(a, "refresh"), "for-"+a) {
		t.Fatalf("%s did not receive its own command", a)
	}
	if agentSeen.has(sc.Command(b, "shutdown"), "for-"+b) {
		t.Errorf("%s read %s's command", a, b)
	}
	if !haSeen.waitFor(sc.Command(b, "shutdown"), "for-"+b) || !haSeen.waitFor(sc.Command(a, "refresh"), "for-"+a) {
		t.Error("the HA login may read everything")
	}
}

func nth(t *testing.T, fleet []access.Login, role access.Role, n int) access.Login {
	t.Helper()
	for _, l := range fleet {
		if l.Role == role {
			if n == 0 {
				return l
			}
			n--
		}
	}
	t.Fatalf("the fleet lacks a %s login", role)
	return access.Login{}
}

var errTimeout = errors.New("no CONNACK in 10s")

func connect(url, user, pass string) (paho.Client, error) {
	opts := paho.NewClientOptions().AddBroker(url).SetClientID("matrix-" + user + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)).
		SetUsername(user).SetPassword(pass).SetAutoReconnect(false).SetConnectTimeout(5 * time.Second)
	c := paho.NewClient(opts)
	tok := c.Connect()
	if !tok.WaitTimeout(10 * time.Second) {
		return nil, errTimeout
	}
	return c, tok.Error()
}

func mustConnect(t *testing.T, url string, l access.Login) paho.Client {
	t.Helper()
	c, err := connect(url, l.Name, l.Password)
	if err != nil {
		t.Fatalf("%s cannot log in: %v", l.Name, err)
	}
	t.Cleanup(func() { c.Disconnect(50) })
	return c
}

// received records what one client was delivered.
type received struct {
	mu   sync.Mutex
	got  map[string]bool // topic + "\x00" + payload
	wake chan struct{}
}

func subscribe(t *testing.T, c paho.Client, filters ...string) *received {
	t.Helper()
	in := &received{got: map[string]bool{}, wake: make(chan struct{}, 1)}
	subs := map[string]byte{}
	for _, f := range filters {
		subs[f] = 0
	}
	tok := c.SubscribeMultiple(subs, func(_ paho.Client, m paho.Message) {
		in.mu.Lock()
		in.got[m.Topic()+"\x00"+string(m.Payload())] = true
		in.mu.Unlock()
		select {
		case in.wake <- struct{}{}:
		default:
		}
	})
	if !tok.WaitTimeout(10 * time.Second) {
		t.Fatalf("subscribing to %v timed out", filters)
	}
	return in
}

func (in *received) has(tp, payload string) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.got[tp+"\x00"+payload]
}

func (in *received) waitFor(tp, payload string) bool {
	deadline := time.After(10 * time.Second)
	for !in.has(tp, payload) {
		select {
		case <-in.wake:
		case <-deadline:
			return in.has(tp, payload)
		}
	}
	return true
}
