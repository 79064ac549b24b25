package config

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/homefleet/homefleet/internal/topic"
)

// Hub is the configuration of `homefleet hub`.
type Hub struct {
	MQTT      MQTT       `yaml:"mqtt"`   // empty url: start the embedded broker
	Broker    Broker     `yaml:"broker"` // the embedded broker
	Logins    Logins     `yaml:"logins"` // who may use the broker (embedded, or Mosquitto via `homefleet acl`)
	Store     string     `yaml:"store"`  // SQLite history file (default: hub.db in the state directory); ":memory:" keeps none
	Wake      Wake       `yaml:"wake"`
	Schedules []Schedule `yaml:"schedules"`
	PublicIP  PublicIP   `yaml:"public_ip"`
	DDNS      DDNS       `yaml:"ddns"`
	Probes    []Probe    `yaml:"probes"` // service checks run from the hub
	Predict   Predict    `yaml:"predict"`
	Leader    Leader     `yaml:"leader"` // failover between hubs on etcd (default: none, one hub)
	Log       Log        `yaml:"log"`
}

// Predict configures what the hub does with its disk predictions.
type Predict struct {
	// Evacuate is what happens when a disk enters Critical or Failing on a
	// machine whose agent can evacuate: "ask" (default: an event HA can
	// notify with, and the disk's Evacuate data button), "auto" (the hub
	// starts the copy, once per entry into the state) or "off".
	Evacuate string `yaml:"evacuate"`
}

// Evacuation policies.
const (
	EvacuateAsk  = "ask"
	EvacuateAuto = "auto"
	EvacuateOff  = "off"
)

// Broker configures the embedded MQTT broker the hub starts when no
// external broker is configured.
type Broker struct {
	// Listen is host:port, default 127.0.0.1:1883: only this machine can
	// connect. Any other address (0.0.0.0:1883 for HA on another machine)
	// requires logins.
	Listen        string `yaml:"listen"`
	RequireLogins bool   `yaml:"require_logins"` // logins even on loopback
	TLSCertFile   string `yaml:"tls_cert_file"`  // serve TLS (mqtts://) on listen
	TLSKeyFile    string `yaml:"tls_key_file"`
	// Username and Password are no longer used: the hub generates one
	// login per client (logins). Set, they are refused with that advice.
	Username string `yaml:"username"`
	Password string `yaml:"password" secret:"true"`
}

// DefaultListen is the embedded broker's default: this machine only.
const DefaultListen = "127.0.0.1:1883"

// NeedsLogins reports whether the embedded broker requires logins: on
// any listener another machine can reach, or when asked to.
func (b Broker) NeedsLogins() bool { return b.RequireLogins || !loopbackListen(b.Listen) }

func loopbackListen(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Logins lists who gets a broker login. The hub generates the missing
// ones into File on start when its embedded broker needs logins;
// `homefleet acl` does the same for an external Mosquitto.
type Logins struct {
	File       string   `yaml:"file"`        // default credentials.yaml in the state directory
	Agents     []string `yaml:"agents"`      // agent ids, each gets a login named like it
	HAUsername string   `yaml:"ha_username"` // the Home Assistant login, default homeassistant
}

func (l *Logins) setDefaults() {
	if l.File == "" {
		l.File = filepath.Join(StateDir(), "credentials.yaml")
	}
	if l.HAUsername == "" {
		l.HAUsername = "homeassistant"
	}
}

func (l Logins) validate(v *validator) {
	v.id("logins.ha_username", l.HAUsername)
	if topic.Reserved(l.HAUsername) {
		v.add("logins.ha_username", l.HAUsername, "reserved for the hub's own login")
	}
	seen := map[string]bool{}
	for i, a := range l.Agents {
		field := fmt.Sprintf("logins.agents[%d]", i)
		v.id(field, a)
		v.unique(seen, field, a)
		switch {
		case topic.Reserved(a):
			v.add(field, a, "reserved for the hub")
		case a == l.HAUsername:
			v.add(field, a, "is the Home Assistant login (logins.ha_username); give the agent another id")
		}
	}
}

// Embedded reports whether the hub runs its own broker.
func (h Hub) Embedded() bool { return h.MQTT.URL == "" }

// SetDefaults fills every unset field.
func (h *Hub) SetDefaults() {
	h.MQTT.setDefaults()
	h.Log.setDefaults()
	if h.Broker.Listen == "" {
		h.Broker.Listen = DefaultListen
	}
	h.Logins.setDefaults()
	if h.Store == "" {
		h.Store = filepath.Join(StateDir(), "hub.db")
	}
	h.Wake.setDefaults()
	for i := range h.Schedules {
		h.Schedules[i].setDefaults()
	}
	h.PublicIP.setDefaults()
	h.DDNS.setDefaults()
	if h.Predict.Evacuate == "" {
		h.Predict.Evacuate = EvacuateAsk
	}
	for i := range h.Probes {
		h.Probes[i].setDefaults()
	}
	h.Leader.setDefaults()
}

// Validate reports every bad field at once.
func (h Hub) Validate() error {
	v := &validator{}
	h.MQTT.validate(v, false)
	h.Log.validate(v)
	h.Wake.validate(v)
	h.PublicIP.validate(v)
	h.DDNS.validate(v)
	for i, r := range h.DDNS.Records {
		if r.Device == "" && len(h.PublicIP.Sources) == 0 {
			v.add(fmt.Sprintf("ddns.records[%d].name", i), r.Name, "needs public_ip.sources to know the address (or device: for an agent's own IPv6)")
		}
	}
	validateProbes(v, h.Probes)
	v.oneOf("predict.evacuate", h.Predict.Evacuate, EvacuateAsk, EvacuateAuto, EvacuateOff)
	names := map[string]bool{}
	for i, s := range h.Schedules {
		field := fmt.Sprintf("schedules[%d]", i)
		s.validate(v, field)
		v.unique(names, field+".name", s.Name)
	}
	h.Logins.validate(v)
	h.Leader.validate(v, h.Embedded())
	if h.Embedded() {
		h.Broker.validate(v)
	}
	return v.err()
}

// String is the YAML form with secrets redacted.
func (h Hub) String() string { return redactedYAML(h) }

func (b Broker) validate(v *validator) {
	if _, _, err := net.SplitHostPort(b.Listen); err != nil {
		v.add("broker.listen", b.Listen, "must be host:port (e.g. 127.0.0.1:1883, or 0.0.0.0:1883 for the LAN)")
	}
	if (b.TLSCertFile == "") != (b.TLSKeyFile == "") {
		v.add("broker.tls_cert_file", b.TLSCertFile, "tls_cert_file and tls_key_file must be set together")
	}
	v.file("broker.tls_cert_file", b.TLSCertFile)
	v.file("broker.tls_key_file", b.TLSKeyFile)
	if b.Username != "" || b.Password != "" {
		v.add("broker.username", b.Username, "no longer used: the hub generates one login per client (hub, Home Assistant, each id in logins.agents) into logins.file; see README, Securing the broker")
	}
}

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
		v.unique(seen, field+".name", t.Name)
		if mac, err := net.ParseMAC(t.MAC); err != nil || len(mac) != 6 {
			v.add(field+".mac", t.MAC, "want six bytes like aa:bb:cc:dd:ee:ff")
		}
		if ip := net.ParseIP(t.Broadcast); ip == nil || ip.To4() == nil {
			v.add(field+".broadcast", t.Broadcast, "want the subnet's IPv4 broadcast, e.g. 192.168.1.255")
		}
		if t.ConfirmTCP != "" {
			v.hostPort(field+".confirm_tcp", t.ConfirmTCP)
		}
	}
}

// Schedule kinds.
const (
	ScheduleSleep  = "sleep"  // inside the window, sleep the device once it is idle long enough
	ScheduleWake   = "wake"   // wake the device at the cron time
	ScheduleBackup = "backup" // wake, wait until online, run the job, then let it sleep
)

// Schedule is one cron power schedule of a device.
type Schedule struct {
	Name        string        `yaml:"name"`
	Device      string        `yaml:"device"`
	Kind        string        `yaml:"kind"` // sleep, wake, backup
	Cron        string        `yaml:"cron"` // 5-field cron or @daily
	TimeZone    string        `yaml:"timezone"`
	Window      time.Duration `yaml:"window"`       // sleep: window length; backup: time allowed to wake and finish
	IdleMinutes int           `yaml:"idle_minutes"` // sleep: idle this long first (default 30)
	Job         string        `yaml:"job"`          // backup: a job of the device's agent config
	Misfire     time.Duration `yaml:"misfire"`      // a run missed while the hub was down still fires this late (default 1h)
	SleepAfter  bool          `yaml:"sleep_after"`  // backup: sleep the device when done and idle
}

func (s *Schedule) setDefaults() {
	if s.IdleMinutes == 0 {
		s.IdleMinutes = 30
	}
	if s.Misfire == 0 {
		s.Misfire = time.Hour
	}
	if s.Window == 0 {
		s.Window = 8 * time.Hour
	}
}

func (s Schedule) validate(v *validator, field string) {
	v.id(field+".name", s.Name)
	v.id(field+".device", s.Device)
	v.oneOf(field+".kind", s.Kind, ScheduleSleep, ScheduleWake, ScheduleBackup)
	if s.Cron == "" {
		v.add(field+".cron", "", "required (e.g. \"0 23 * * *\")")
	}
	if s.TimeZone != "" {
		if _, err := time.LoadLocation(s.TimeZone); err != nil {
			v.add(field+".timezone", s.TimeZone, "unknown IANA time zone")
		}
	}
	if s.Kind == ScheduleBackup && s.Job == "" {
		v.add(field+".job", "", "required for a backup schedule: a job defined in the device's agent config")
	}
}
