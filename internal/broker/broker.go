// Package broker runs the embedded MQTT broker (mochi-mqtt) the hub starts
// when no external broker is configured, and that tests use in-process.
package broker

import (
	"errors"
	"fmt"
	"log/slog"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
)

// ErrListen is returned when the listen address cannot be bound.
var ErrListen = errors.New("embedded broker cannot listen")

// Options configures an embedded broker.
type Options struct {
	Listen   string // host:port; port 0 picks a free one
	Username string // empty: anonymous clients allowed
	Password string
	Logger   *slog.Logger
}

// Broker is a running embedded broker.
type Broker struct {
	srv  *mqtt.Server
	addr string
	log  *gate
}

// Start binds the listener and serves until Close.
func Start(opts Options) (*Broker, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	bl := newBrokerLog(log.With("component", "broker").Handler())
	srv := mqtt.New(&mqtt.Options{Logger: slog.New(bl), InlineClient: false})
	if err := srv.AddHook(new(auth.Hook), &auth.Options{Ledger: ledger(opts)}); err != nil {
		return nil, fmt.Errorf("configuring embedded broker auth: %w", err)
	}
	tcp := listeners.NewTCP(listeners.Config{ID: "tcp", Address: opts.Listen})
	if err := srv.AddListener(tcp); err != nil {
		return nil, fmt.Errorf("%w on %s: %w", ErrListen, opts.Listen, err)
	}
	if err := srv.Serve(); err != nil {
		_ = srv.Close()
		return nil, fmt.Errorf("starting embedded broker: %w", err)
	}
	return &Broker{srv: srv, addr: tcp.Address(), log: bl.gate}, nil
}

func ledger(opts Options) *auth.Ledger {
	if opts.Username == "" {
		return &auth.Ledger{Auth: auth.AuthRules{{Allow: true}}}
	}
	return &auth.Ledger{Auth: auth.AuthRules{{
		Username: auth.RString(opts.Username),
		Password: auth.RString(opts.Password),
		Allow:    true,
	}}}
}

// Addr is the bound host:port.
func (b *Broker) Addr() string { return b.addr }

// URL is the mqtt:// URL clients use.
func (b *Broker) URL() string { return "mqtt://" + b.addr }

// Close stops the broker and drops every client.
func (b *Broker) Close() error {
	defer b.log.close() // client goroutines may outlive Close: they log nothing after it
	if err := b.srv.Close(); err != nil {
		return fmt.Errorf("closing embedded broker: %w", err)
	}
	return nil
}
