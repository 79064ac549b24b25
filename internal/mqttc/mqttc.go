// Package mqttc is the one wrapper over paho: retained LWT and birth on the
// status topic, reconnect with exponential backoff and full jitter,
// resubscribe after every reconnect, and the QoS/retain policy.
package mqttc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/topic"
)

// QoS is used for every publish: at least once, so a retained state or
// discovery document is never silently dropped on its way to the broker.
const QoS = 1

// SubscribeQoS is 0: with QoS 1 subscriptions the embedded broker
// (mochi-mqtt 2.7.9) sometimes did not deliver a message to a subscriber
// at all within 15 s while delivering it to others (a Wake press lost in
// about 1 run in 3 of TestWakeRelay; mochi parks a QoS 1 message when it
// thinks the client's send quota is used up). Never at QoS 0, never with
// Mosquitto. Retained documents are re-sent on every reconnect, so
// at-most-once delivery to us loses nothing that matters.
const SubscribeQoS = 0

// MaxPayload is the largest message handed to a handler: a bigger one is
// dropped unread (logged, and reported through Options.Oversize), so a
// 1 MiB payload on a state or command topic is never parsed.
const MaxPayload = 64 << 10

// Sentinel errors.
var (
	ErrNotConnected = errors.New("not connected to the broker")
	ErrRefused      = errors.New("broker refused the connection")
	ErrUnreachable  = errors.New("broker unreachable")
	ErrTimeout      = errors.New("broker did not acknowledge in time")
)

// publishTimeout bounds the wait for a publish acknowledgement, so a
// half-dead connection cannot stall the caller's loop.
const publishTimeout = 10 * time.Second

// pingTimeout closes a connection whose keepalive ping is not answered.
const pingTimeout = 10 * time.Second

// Handler handles one message on a subscribed topic. A returned error is
// logged by the client (once per topic), never fatal.
type Handler func(topic string, payload []byte, retained bool) error

// Options configures a Client.
type Options struct {
	MQTT        config.MQTT
	ClientID    string
	StatusTopic string // retained online/offline; offline is the LWT
	Logger      *slog.Logger
	// OnConnect runs in Run's goroutine after every (re)connect, once the
	// birth message is out and subscriptions are restored. Keep it short:
	// signal your own loop to republish.
	OnConnect func()
	// Oversize hears of every message dropped for exceeding MaxPayload
	// (the command inbox turns one on a command topic into an event).
	Oversize func(topic string, size int)
	// Coalesce lets incoming messages wait up to this long to be read
	// together (coalesce.go): for a client that listens to a busy stream.
	// 0 reads each at once.
	Coalesce time.Duration
}

// Client is a long-lived MQTT session. Create with New, register
// subscriptions, then call Run.
type Client struct {
	opts   Options
	log    *slog.Logger
	client paho.Client
	lost   chan error
	kick   chan struct{}

	mu   sync.Mutex
	subs map[string][]Handler // several handlers may share a filter
	bad  badLog
	// lastOversize is the last message dropped for its size.
	lastOversize paho.Message
}

// New builds a client; nothing connects until Run.
func New(opts Options) (*Client, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	u, err := url.Parse(opts.MQTT.URL)
	if err != nil {
		return nil, fmt.Errorf("parsing broker url: %w", err)
	}
	c := &Client{
		opts: opts,
		log:  opts.Logger.With("broker", redactURL(u)),
		lost: make(chan error, 1),
		kick: make(chan struct{}, 1),
		subs: map[string][]Handler{},
	}
	po := paho.NewClientOptions().
		AddBroker(opts.MQTT.URL).
		SetClientID(opts.ClientID).
		SetUsername(opts.MQTT.Username).
		SetPassword(opts.MQTT.Password).
		SetCleanSession(true).
		SetAutoReconnect(false). // Run owns reconnects: backoff with jitter and logging
		SetConnectRetry(false).
		SetKeepAlive(0). // the connection keeps it: keepalive.go
		SetConnectTimeout(10 * time.Second).
		SetWriteTimeout(10 * time.Second).
		SetOrderMatters(true). // handlers only queue; order keeps online/offline right
		SetDefaultPublishHandler(func(_ paho.Client, m paho.Message) {
			c.log.Debug("mqtt message on no subscription", "topic", m.Topic())
		}).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			select {
			case c.lost <- err:
			default:
			}
		})
	po.SetCustomOpenConnectionFn(dialer(opts.MQTT.KeepAlive.Truncate(time.Second), pingTimeout, opts.Coalesce))
	if opts.StatusTopic != "" { // a short-lived tool has no availability to announce
		po.SetWill(opts.StatusTopic, topic.Offline, QoS, true)
	}
	if config.TLSScheme(u.Scheme) {
		tc, err := tlsConfig(opts.MQTT.TLS)
		if err != nil {
			return nil, err
		}
		po.SetTLSConfig(tc)
		if tc.InsecureSkipVerify {
			c.log.Warn("mqtt.tls.insecure_skip_verify is set: the broker's certificate is not checked, so anyone between here and the broker can read and change every message, commands included")
		}
	}
	c.client = paho.NewClient(po)
	return c, nil
}

// Subscribe registers h for filter; every handler of a filter sees each
// of its messages. Subscriptions made before Run are established on
// connect and restored after every reconnect.
func (c *Client) Subscribe(filter string, h Handler) {
	c.mu.Lock()
	c.subs[filter] = append(c.subs[filter], h)
	c.mu.Unlock()
	if c.client.IsConnectionOpen() {
		c.subscribe(filter)
	}
}

// Unsubscribe drops every handler of filter.
func (c *Client) Unsubscribe(filter string) {
	c.mu.Lock()
	delete(c.subs, filter)
	c.mu.Unlock()
	if c.client.IsConnectionOpen() {
		if tok := c.client.Unsubscribe(filter); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			c.log.Debug("mqtt unsubscribe", "filter", filter, "err", tok.Error())
		}
	}
}

// Publish sends payload with the package QoS; it waits for the broker's
// acknowledgement or ctx.
func (c *Client) Publish(ctx context.Context, topic string, payload []byte, retain bool) error {
	if !c.client.IsConnectionOpen() {
		return fmt.Errorf("publishing %s: %w", topic, ErrNotConnected)
	}
	tok := c.client.Publish(topic, QoS, retain, payload)
	timeout := time.NewTimer(publishTimeout)
	defer timeout.Stop()
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			return fmt.Errorf("publishing %s: %w", topic, err)
		}
		return nil
	case <-timeout.C:
		return fmt.Errorf("publishing %s: %w", topic, ErrTimeout)
	case <-ctx.Done():
		return fmt.Errorf("publishing %s: %w", topic, ctx.Err())
	}
}

// Connected reports whether the session is up.
func (c *Client) Connected() bool { return c.client.IsConnectionOpen() }

func redactURL(u *url.URL) string {
	r := *u
	r.User = nil
	return r.String()
}

// Publisher is anything that publishes bytes: a Client, or a test fake.
type Publisher interface {
	Publish(ctx context.Context, topic string, payload []byte, retain bool) error
}

// PublishJSON encodes v and publishes it through p.
func PublishJSON(ctx context.Context, p Publisher, topic string, v any, retain bool) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", topic, err)
	}
	return p.Publish(ctx, topic, b, retain)
}

// badLog logs a rejected message at Warn the first time a topic produces
// one, and at Debug after that, so a publisher looping garbage cannot
// flood the log.
type badLog struct {
	mu   sync.Mutex
	seen map[string]int
}

const badLogTopics = 1024

func (b *badLog) report(log *slog.Logger, topic string, err error) {
	b.mu.Lock()
	if b.seen == nil || len(b.seen) >= badLogTopics {
		b.seen = map[string]int{}
	}
	b.seen[topic]++
	n := b.seen[topic]
	b.mu.Unlock()
	if n == 1 {
		log.Warn("ignoring message", "topic", topic, "err", err)
		return
	}
	log.Debug("ignoring message", "topic", topic, "err", err, "count", n)
}
