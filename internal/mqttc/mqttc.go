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
	"maps"
	"net/url"
	"slices"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"

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
		SetKeepAlive(opts.MQTT.KeepAlive).
		SetPingTimeout(10 * time.Second).
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
	if opts.StatusTopic != "" { // a short-lived tool has no availability to announce
		po.SetWill(opts.StatusTopic, topic.Offline, QoS, true)
	}
	if config.TLSScheme(u.Scheme) {
		tc, err := tlsConfig(opts.MQTT.TLS)
		if err != nil {
			return nil, err
		}
		po.SetTLSConfig(tc)
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

// Run connects and keeps the session up until ctx ends, then publishes a
// clean "offline" and disconnects. The first connection gives up after
// MQTT.FirstConnect (or at once when the broker refuses the credentials)
// with one clear error; later losses are retried forever.
func (c *Client) Run(ctx context.Context) error {
	if err := c.firstConnect(ctx); err != nil {
		return err
	}
	for {
		c.afterConnect(ctx)
		immediate := false
		select {
		case <-ctx.Done():
			c.shutdown()
			return nil
		case err := <-c.lost:
			c.log.Warn("mqtt connection lost", "err", err)
		case <-c.kick:
			c.log.Info("mqtt reconnecting at once (resumed from sleep)")
			c.client.Disconnect(0)
			for i := 0; i < 100 && c.client.IsConnected(); i++ { // Disconnect finishes asynchronously
				time.Sleep(10 * time.Millisecond)
			}
			immediate = true
		}
		if err := c.reconnect(ctx, immediate); err != nil {
			c.shutdown()
			return nil //nolint:nilerr // ctx ended while reconnecting: a clean stop
		}
	}
}

func (c *Client) firstConnect(ctx context.Context) error {
	deadline := time.Now().Add(c.opts.MQTT.FirstConnect)
	var lastErr error
	for attempt := 0; ; attempt++ {
		err := c.connect(ctx)
		if err == nil {
			c.log.Info("mqtt connected")
			return nil
		}
		if errors.Is(err, ErrRefused) {
			return err
		}
		lastErr = err
		wait := backoff(attempt, c.opts.MQTT.BackoffMin, c.opts.MQTT.BackoffMax)
		if time.Now().Add(wait).After(deadline) {
			return fmt.Errorf("%w after %s: %w", ErrUnreachable, c.opts.MQTT.FirstConnect, lastErr)
		}
		c.log.Warn("mqtt connect failed, retrying", "err", err, "in", wait.Round(time.Millisecond), "attempt", attempt+1)
		if sleep(ctx, wait) != nil {
			return ctx.Err()
		}
	}
}

// Reconnect drops the session and connects again at once: after a resume
// the old TCP connection may look alive but be dead.
func (c *Client) Reconnect() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *Client) reconnect(ctx context.Context, immediate bool) error {
	for attempt := 0; ; attempt++ {
		wait := backoff(attempt, c.opts.MQTT.BackoffMin, c.opts.MQTT.BackoffMax)
		if attempt == 0 && immediate {
			wait = 0
		}
		c.log.Info("mqtt reconnecting", "in", wait.Round(time.Millisecond), "attempt", attempt+1)
		if err := sleep(ctx, wait); err != nil {
			return err
		}
		err := c.connect(ctx)
		if err == nil {
			c.log.Info("mqtt reconnected", "attempts", attempt+1)
			return nil
		}
		c.log.Warn("mqtt reconnect failed", "err", err)
	}
}

func (c *Client) connect(ctx context.Context) error {
	select { // drop a stale loss notice from the previous session
	case <-c.lost:
	default:
	}
	tok := c.client.Connect()
	select {
	case <-tok.Done():
	case <-ctx.Done():
		return ctx.Err()
	}
	err := tok.Error()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, packets.ErrorRefusedBadUsernameOrPassword), errors.Is(err, packets.ErrorRefusedNotAuthorised):
		return fmt.Errorf("connecting: %w: %w (check mqtt.username and mqtt.password)", ErrRefused, err)
	default:
		return fmt.Errorf("connecting: %w", err)
	}
}

// afterConnect restores subscriptions, then publishes the birth message
// (so whoever sees "online" can rely on them) and tells the owner.
func (c *Client) afterConnect(ctx context.Context) {
	c.mu.Lock()
	filters := slices.Collect(maps.Keys(c.subs))
	c.mu.Unlock()
	slices.Sort(filters)
	for _, f := range filters {
		c.subscribe(f)
	}
	if c.opts.StatusTopic != "" {
		if err := c.Publish(ctx, c.opts.StatusTopic, []byte(topic.Online), true); err != nil {
			c.log.Warn("publishing birth message", "err", err)
		}
	}
	if c.opts.OnConnect != nil {
		c.opts.OnConnect()
	}
}

func (c *Client) subscribe(filter string) {
	tok := c.client.Subscribe(filter, SubscribeQoS, func(_ paho.Client, m paho.Message) {
		c.mu.Lock()
		hs := c.subs[filter]
		c.mu.Unlock()
		for _, h := range hs {
			c.dispatch(h, m.Topic(), m.Payload(), m.Retained())
		}
	})
	switch {
	case !tok.WaitTimeout(10 * time.Second):
		c.log.Warn("mqtt subscribe not acknowledged in 10s", "filter", filter)
	case tok.Error() != nil:
		c.log.Warn("mqtt subscribe failed", "filter", filter, "err", tok.Error())
	default:
		c.log.Debug("mqtt subscribed", "filter", filter)
	}
}

func (c *Client) dispatch(h Handler, topic string, payload []byte, retained bool) {
	c.log.Debug("mqtt message", "topic", topic, "bytes", len(payload), "retained", retained)
	defer func() {
		if r := recover(); r != nil {
			c.bad.report(c.log, topic, fmt.Errorf("handler panic: %v", r))
		}
	}()
	if err := h(topic, payload, retained); err != nil {
		c.bad.report(c.log, topic, err)
	}
}

func (c *Client) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if c.opts.StatusTopic != "" {
		if err := c.Publish(ctx, c.opts.StatusTopic, []byte(topic.Offline), true); err != nil {
			c.log.Debug("publishing clean offline", "err", err)
		}
	}
	c.client.Disconnect(250)
	c.log.Info("mqtt disconnected")
}

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
