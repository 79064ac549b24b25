package config

import (
	"net"
)

// Hub is the configuration of `homefleet hub`.
type Hub struct {
	MQTT   MQTT   `yaml:"mqtt"`   // empty url: start the embedded broker
	Broker Broker `yaml:"broker"` // the embedded broker
	Store  string `yaml:"store"`  // SQLite history file; ":memory:" keeps none
	Log    Log    `yaml:"log"`
}

// Broker configures the embedded MQTT broker the hub starts when no
// external broker is configured.
type Broker struct {
	Listen       string `yaml:"listen"` // host:port, default :1883
	Username     string `yaml:"username"`
	Password     string `yaml:"password" secret:"true"`
	PasswordFile string `yaml:"password_file"`
}

// Embedded reports whether the hub runs its own broker.
func (h Hub) Embedded() bool { return h.MQTT.URL == "" }

// SetDefaults fills every unset field.
func (h *Hub) SetDefaults() {
	h.MQTT.setDefaults()
	h.Log.setDefaults()
	if h.Broker.Listen == "" {
		h.Broker.Listen = ":1883"
	}
	if h.Store == "" {
		h.Store = "homefleet-hub.db"
	}
}

// Validate reports every bad field at once.
func (h Hub) Validate() error {
	v := &validator{}
	h.MQTT.validate(v, false)
	h.Log.validate(v)
	if h.Embedded() {
		if _, _, err := net.SplitHostPort(h.Broker.Listen); err != nil {
			v.add("broker.listen", h.Broker.Listen, "must be host:port (e.g. :1883 or 127.0.0.1:1883)")
		}
		if (h.Broker.Username == "") != (h.Broker.Password == "") {
			v.add("broker.username", h.Broker.Username, "username and password must be set together")
		}
	}
	return v.err()
}

// String is the YAML form with secrets redacted.
func (h Hub) String() string { return redactedYAML(h) }
