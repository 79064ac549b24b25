// Package broker runs the embedded MQTT broker (mochi-mqtt) the hub starts
// when no external broker is configured, and that tests use in-process.
// Without a credentials file every client may do everything (the default
// loopback listener: only this machine can connect); with one, clients
// must log in and get only their internal/access rules.
package broker

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"

	"github.com/homefleet/homefleet/internal/topic"
)

// ErrListen is returned when the listen address cannot be bound.
var ErrListen = errors.New("embedded broker cannot listen")

// Options configures an embedded broker.
type Options struct {
	Listen string // host:port; port 0 picks a free one
	// Credentials is the logins file (internal/access); empty: no logins,
	// every client may do everything.
	Credentials string
	Scheme      topic.Scheme // the roots the access rules name; zero: the default
	// TLS, when set, makes Listen a TLS listener; the broker then also
	// listens on a plain loopback port (Local) for the hub's own session.
	TLS *tls.Config
	// ConnectTimeout bounds a new connection's TLS handshake and CONNECT
	// (default DefaultConnectTimeout).
	ConnectTimeout time.Duration
	Logger         *slog.Logger
}

// Broker is a running embedded broker.
type Broker struct {
	srv         *mqtt.Server
	addr, local string
	tls         bool
	log         *gate
}

// Start binds the listener and serves until Close.
func Start(opts Options) (*Broker, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.Scheme == (topic.Scheme{}) {
		opts.Scheme = topic.Default()
	}
	bl := newBrokerLog(log.With("component", "broker").Handler())
	srv := mqtt.New(&mqtt.Options{Logger: slog.New(bl), InlineClient: false})
	if err := addAccess(srv, opts, log.With("component", "broker")); err != nil {
		return nil, err
	}
	main, err := listen(opts.Listen, opts.TLS, opts.ConnectTimeout)
	if err != nil {
		return nil, fmt.Errorf("%w on %s: %w", ErrListen, opts.Listen, err)
	}
	if err := srv.AddListener(netListener{listeners.NewNet("main", main)}); err != nil {
		_ = main.Close()
		return nil, fmt.Errorf("%w on %s: %w", ErrListen, opts.Listen, err)
	}
	b := &Broker{srv: srv, addr: main.Addr().String(), local: main.Addr().String(), tls: opts.TLS != nil, log: bl.gate}
	if opts.TLS != nil {
		local, err := listen("127.0.0.1:0", nil, opts.ConnectTimeout)
		if err == nil {
			err = srv.AddListener(netListener{listeners.NewNet("local", local)})
		}
		if err != nil {
			_ = srv.Close()
			return nil, fmt.Errorf("%w on a loopback port for the hub: %w", ErrListen, err)
		}
		b.local = local.Addr().String()
	}
	if err := srv.Serve(); err != nil {
		_ = srv.Close()
		return nil, fmt.Errorf("starting embedded broker: %w", err)
	}
	return b, nil
}

func addAccess(srv *mqtt.Server, opts Options, log *slog.Logger) error {
	if opts.Credentials == "" {
		if err := srv.AddHook(new(auth.AllowHook), nil); err != nil {
			return fmt.Errorf("configuring embedded broker auth: %w", err)
		}
		return nil
	}
	h, err := newAccessHook(opts.Scheme, opts.Credentials, log)
	if err != nil {
		return fmt.Errorf("reading broker logins %s: %w", opts.Credentials, err)
	}
	if err := srv.AddHook(h, nil); err != nil {
		return fmt.Errorf("configuring embedded broker auth: %w", err)
	}
	return nil
}

// Addr is the bound host:port of the main listener.
func (b *Broker) Addr() string { return b.addr }

// URL is the URL clients use for the main listener.
func (b *Broker) URL() string {
	if b.tls {
		return "mqtts://" + b.addr
	}
	return "mqtt://" + b.addr
}

// LocalAddr is a plain listener on this machine: the main one, or with
// TLS the extra loopback one.
func (b *Broker) LocalAddr() string { return b.local }

// Close stops the broker and drops every client.
func (b *Broker) Close() error {
	defer b.log.close() // client goroutines may outlive Close: they log nothing after it
	if err := b.srv.Close(); err != nil {
		return fmt.Errorf("closing embedded broker: %w", err)
	}
	return nil
}
