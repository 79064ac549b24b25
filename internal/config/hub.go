package config

import (
	"fmt"
	"net"
	"strconv"
	"time"
)

// Hub is the configuration of `homefleet hub`.
type Hub struct {
	MQTT   MQTT   `yaml:"mqtt"`   // empty url: start the embedded broker
	Broker Broker `yaml:"broker"` // the embedded broker
	Store  string `yaml:"store"`  // SQLite history file; ":memory:" keeps none
	Wake   Wake   `yaml:"wake"`
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
	h.Wake.setDefaults()
}

// Validate reports every bad field at once.
func (h Hub) Validate() error {
	v := &validator{}
	h.MQTT.validate(v, false)
	h.Log.validate(v)
	h.Wake.validate(v)
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

// Wake configures Wake-on-LAN. Targets with an agent are learned from its
// network identity; these are for devices without one (a TV, an old NAS).
type Wake struct {
	Targets            []WakeTarget  `yaml:"targets"`
	Timeout            time.Duration `yaml:"timeout"`              // until the device must be online
	Retries            int           `yaml:"retries"`              // resends within the timeout
	NoLimitedBroadcast bool          `yaml:"no_limited_broadcast"` // do not also send to 255.255.255.255
	Port               int           `yaml:"port"`                 // UDP port of the magic packets
}

// WakeTarget is a static wake target.
type WakeTarget struct {
	Name       string `yaml:"name"`
	MAC        string `yaml:"mac"`
	Broadcast  string `yaml:"broadcast"`   // directed broadcast, e.g. 192.168.1.255
	ConfirmTCP string `yaml:"confirm_tcp"` // host:port that answers when awake, e.g. tv.lan:8009
	Password   string `yaml:"password" secret:"true"`
}

func (w *Wake) setDefaults() {
	if w.Timeout == 0 {
		w.Timeout = 120 * time.Second
	}
	if w.Retries == 0 {
		w.Retries = 2
	}
	if w.Port == 0 {
		w.Port = 9
	}
}

func (w Wake) validate(v *validator) {
	v.positive("wake.timeout", w.Timeout)
	if w.Port < 1 || w.Port > 65535 {
		v.add("wake.port", strconv.Itoa(w.Port), "must be 1-65535")
	}
	seen := map[string]bool{}
	for i, t := range w.Targets {
		field := fmt.Sprintf("wake.targets[%d]", i)
		v.id(field+".name", t.Name)
		if seen[t.Name] {
			v.add(field+".name", t.Name, "duplicate name")
		}
		seen[t.Name] = true
		if mac, err := net.ParseMAC(t.MAC); err != nil || len(mac) != 6 {
			v.add(field+".mac", t.MAC, "want six bytes like aa:bb:cc:dd:ee:ff")
		}
		if ip := net.ParseIP(t.Broadcast); ip == nil || ip.To4() == nil {
			v.add(field+".broadcast", t.Broadcast, "want the subnet's IPv4 broadcast, e.g. 192.168.1.255")
		}
		if t.ConfirmTCP != "" {
			if _, _, err := net.SplitHostPort(t.ConfirmTCP); err != nil {
				v.add(field+".confirm_tcp", t.ConfirmTCP, "want host:port")
			}
		}
	}
}
