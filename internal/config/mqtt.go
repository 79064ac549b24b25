package config

import (
	"fmt"
	"net/url"
	"time"

	"github.com/homefleet/homefleet/internal/topic"
)

// MQTT is the broker connection shared by agent and hub.
type MQTT struct {
	URL          string        `yaml:"url"` // mqtt://host:1883, mqtts://host:8883, ws://, wss://
	Username     string        `yaml:"username"`
	Password     string        `yaml:"password" secret:"true"`
	PasswordFile string        `yaml:"password_file"`
	ClientID     string        `yaml:"client_id"` // default homefleet-<role>-<device>
	TLS          TLS           `yaml:"tls"`
	KeepAlive    time.Duration `yaml:"keepalive"`
	BackoffMin   time.Duration `yaml:"backoff_min"`
	BackoffMax   time.Duration `yaml:"backoff_max"`     // cap of the reconnect backoff
	FirstConnect time.Duration `yaml:"connect_timeout"` // give up on the very first connection after this (0, the default: never; a daemon waits for its broker)
	Base         string        `yaml:"topic_base"`
	Discovery    string        `yaml:"discovery_prefix"`
}

// TLS configures a TLS connection to the broker (mqtts:// or wss://).
type TLS struct {
	CAFile             string `yaml:"ca_file"`
	CertFile           string `yaml:"cert_file"`
	KeyFile            string `yaml:"key_file"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
}

func (m *MQTT) setDefaults() {
	if m.KeepAlive == 0 {
		m.KeepAlive = 30 * time.Second
	}
	if m.BackoffMin == 0 {
		m.BackoffMin = time.Second
	}
	if m.BackoffMax == 0 {
		m.BackoffMax = 60 * time.Second
	}
	if m.Base == "" {
		m.Base = topic.DefaultBase
	}
	if m.Discovery == "" {
		m.Discovery = topic.DefaultDiscoveryPrefix
	}
}

// Scheme returns the topic scheme this connection publishes under.
func (m MQTT) Scheme() topic.Scheme {
	return topic.Scheme{Base: m.Base, DiscoveryPrefix: m.Discovery}
}

var brokerSchemes = map[string]bool{"mqtt": true, "tcp": true, "mqtts": true, "ssl": true, "tls": true, "ws": true, "wss": true}

// TLSScheme reports whether the URL scheme asks for TLS.
func TLSScheme(s string) bool { return s == "mqtts" || s == "ssl" || s == "tls" || s == "wss" }

func (m MQTT) validate(v *validator, required bool) {
	if m.URL == "" {
		if required {
			v.add("mqtt.url", "", "required (e.g. mqtt://192.168.1.10:1883)")
		}
	} else if u, err := url.Parse(m.URL); err != nil {
		v.add("mqtt.url", m.URL, err.Error())
	} else if !brokerSchemes[u.Scheme] {
		v.add("mqtt.url", m.URL, "scheme must be mqtt, mqtts, tcp, ssl, ws or wss")
	} else if u.Host == "" || u.Port() == "" {
		v.add("mqtt.url", m.URL, "needs host and port (e.g. mqtt://nas.lan:1883)")
	} else if (m.TLS.CAFile != "" || m.TLS.CertFile != "") && !TLSScheme(u.Scheme) {
		v.add("mqtt.url", m.URL, "tls files are set but the scheme is not mqtts/wss")
	}
	if (m.TLS.CertFile == "") != (m.TLS.KeyFile == "") {
		v.add("mqtt.tls.cert_file", m.TLS.CertFile, "cert_file and key_file must be set together")
	}
	for field, path := range map[string]string{"mqtt.tls.ca_file": m.TLS.CAFile, "mqtt.tls.cert_file": m.TLS.CertFile, "mqtt.tls.key_file": m.TLS.KeyFile} {
		v.file(field, path)
	}
	if m.Password != "" && m.Username == "" {
		v.add("mqtt.username", "", "required when a password is set")
	}
	v.positive("mqtt.keepalive", m.KeepAlive)
	v.positive("mqtt.backoff_min", m.BackoffMin)
	if m.BackoffMax < m.BackoffMin {
		v.add("mqtt.backoff_max", m.BackoffMax.String(), fmt.Sprintf("must be at least backoff_min (%s)", m.BackoffMin))
	}
	if m.FirstConnect < 0 {
		v.add("mqtt.connect_timeout", m.FirstConnect.String(), "must not be negative (0: keep trying)")
	}
	v.id("mqtt.topic_base", m.Base)
	v.id("mqtt.discovery_prefix", m.Discovery)
}
