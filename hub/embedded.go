package hub

// The embedded broker: where it listens, whether clients must log in
// (internal/access), TLS, and the settings of the hub's own session.

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"

	"github.com/homefleet/homefleet/internal/access"
	"github.com/homefleet/homefleet/internal/broker"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/secret"
	"github.com/homefleet/homefleet/internal/topic"
)

// startEmbedded starts the hub's broker and returns the settings of the
// hub's session with it. A listener other machines can reach requires
// logins: the missing ones are generated into logins.file, and the log
// says where they are and what to enter in HA, never a password.
func startEmbedded(cfg config.Hub, log *slog.Logger, red *secret.Redactor) (*broker.Broker, config.MQTT, error) {
	m := cfg.MQTT
	opts := broker.Options{Listen: cfg.Broker.Listen, Scheme: m.Scheme(), Logger: quietBroker(log)}
	var hubLogin access.Login
	if cfg.Broker.NeedsLogins() {
		logins, created, err := access.Ensure(cfg.Logins.File, access.Fleet(cfg.Logins.HAUsername, cfg.Logins.Agents))
		if err != nil {
			return nil, m, fmt.Errorf("preparing broker logins: %w", err)
		}
		if len(created) > 0 {
			log.Info("generated broker logins", "file", cfg.Logins.File, "logins", created)
		}
		for _, l := range logins {
			red.Add(l.Password)
		}
		hubLogin, _ = access.Find(logins, topic.HubID)
		opts.Credentials = cfg.Logins.File
	}
	if cfg.Broker.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.Broker.TLSCertFile, cfg.Broker.TLSKeyFile)
		if err != nil {
			return nil, m, fmt.Errorf("loading broker.tls_cert_file %s and tls_key_file %s: %w", cfg.Broker.TLSCertFile, cfg.Broker.TLSKeyFile, err)
		}
		opts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	b, err := broker.Start(opts)
	if err != nil {
		return nil, m, err //nolint:wrapcheck // names the address
	}
	m.URL = "mqtt://" + dialable(b.LocalAddr())
	m.Username, m.Password = hubLogin.Name, hubLogin.Password
	log.Info("embedded mqtt broker listening", "addr", b.Addr(), "tls", opts.TLS != nil, "logins_required", opts.Credentials != "")
	if opts.Credentials != "" {
		log.Info("Home Assistant: add the MQTT integration with this machine's address, port "+port(b.Addr())+" and username "+cfg.Logins.HAUsername+"; the password is that login's in the credentials file",
			"file", cfg.Logins.File, "agents", "each agent's mqtt.username is its id, its password is its login's in the same file (homefleet acl prints snippets)")
	}
	return b, m, nil
}

func port(addr string) string {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return p
}

// dialable turns a listen address into one a local client can dial.
func dialable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// quietBroker keeps mochi's per-client info lines out of the hub log.
func quietBroker(log *slog.Logger) *slog.Logger {
	return slog.New(levelFloor{log.Handler(), slog.LevelWarn})
}

type levelFloor struct {
	slog.Handler
	min slog.Level
}

func (l levelFloor) Enabled(ctx context.Context, lv slog.Level) bool {
	return lv >= l.min && l.Handler.Enabled(ctx, lv)
}

func (l levelFloor) WithAttrs(attrs []slog.Attr) slog.Handler {
	return levelFloor{l.Handler.WithAttrs(attrs), l.min}
}

func (l levelFloor) WithGroup(name string) slog.Handler {
	return levelFloor{l.Handler.WithGroup(name), l.min}
}
