package mqttc

// The session's life: the first connection, reconnects with backoff,
// restoring subscriptions and the birth message, and the clean goodbye.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"

	"github.com/homefleet/homefleet/internal/topic"
)

// Run connects and keeps the session up until ctx ends, then publishes a
// clean "offline" and disconnects. An unreachable broker is retried with
// backoff and jitter, forever unless MQTT.FirstConnect bounds the first
// connection; a broker that refuses the credentials or the certificate
// ends Run at once with one clear error. Each kind of failure is logged
// once as a warning, its repeats at debug level.
func (c *Client) Run(ctx context.Context) error {
	if err := c.firstConnect(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // stopped before the first connection: a clean stop
		}
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
	var fails failures
	for attempt := 0; ; attempt++ {
		err := c.connect(ctx)
		if err == nil {
			c.log.Info("mqtt connected", "attempts", attempt+1)
			return nil
		}
		if errors.Is(err, ErrRefused) || errors.Is(err, ErrTLS) {
			return err // a retry cannot fix credentials or a certificate
		}
		wait := backoff(attempt, c.opts.MQTT.BackoffMin, c.opts.MQTT.BackoffMax)
		if c.opts.MQTT.FirstConnect > 0 && time.Now().Add(wait).After(deadline) {
			return fmt.Errorf("%w after %s: %w", ErrUnreachable, c.opts.MQTT.FirstConnect, err)
		}
		fails.log(c.log, "mqtt connect failed, retrying", err, "in", wait.Round(time.Millisecond), "attempt", attempt+1)
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
	var fails failures
	for attempt := 0; ; attempt++ {
		wait := backoff(attempt, c.opts.MQTT.BackoffMin, c.opts.MQTT.BackoffMax)
		if attempt == 0 && immediate {
			wait = 0
		}
		if attempt == 0 {
			c.log.Info("mqtt reconnecting", "in", wait.Round(time.Millisecond))
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
		err := c.connect(ctx)
		if err == nil {
			c.log.Info("mqtt reconnected", "attempts", attempt+1)
			return nil
		}
		fails.log(c.log, "mqtt reconnect failed, retrying", err, "attempt", attempt+1)
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
	case certificateError(err):
		return fmt.Errorf("connecting: %w: %s", ErrTLS, explainTLS(err, c.opts.MQTT.TLS, time.Now()))
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
		if n := len(m.Payload()); n > MaxPayload {
			c.mu.Lock()
			again := c.lastOversize == m // one message, several matching filters: report it once
			c.lastOversize = m
			c.mu.Unlock()
			if !again {
				c.bad.report(c.log, m.Topic(), fmt.Errorf("payload of %d bytes is over the %d-byte limit: dropped unread", n, MaxPayload))
				if c.opts.Oversize != nil {
					c.opts.Oversize(m.Topic(), n)
				}
			}
			return
		}
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

// backoff is exponential backoff with full jitter: a uniform random wait
// in [min, min(max, min*2^attempt)].
func backoff(attempt int, lo, hi time.Duration) time.Duration {
	ceil := lo
	for i := 0; i < attempt && ceil < hi; i++ {
		ceil *= 2
	}
	ceil = min(ceil, hi)
	if ceil <= lo {
		return lo
	}
	return lo + rand.N(ceil-lo) //nolint:gosec // jitter, not security
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
