package config

import (
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/homefleet/homefleet/internal/topic"
)

// Leader configures failover between hubs: two or three hubs sharing one
// external broker elect a leader on etcd, and only the leader runs the
// singleton duties (schedules, wake, public IP, DDNS, predictions).
// Unset (no etcd endpoints, the default), the hub runs alone.
type Leader struct {
	// Etcd lists the client URLs of the etcd cluster
	// (http://10.0.0.2:2379, one per member).
	Etcd []string `yaml:"etcd"`
	// Name is this hub among the members (default: the host name).
	Name string `yaml:"name"`
	// TTL is the leader's lease: a killed leader is replaced about TTL
	// after it stopped, and a leader cut off from etcd steps down when
	// it ends. Whole seconds, 2s-60s; default 5s.
	TTL time.Duration `yaml:"ttl"`
	// Prefix is where the election and the duty journal live in etcd
	// (default /homefleet/).
	Prefix   string `yaml:"prefix"`
	Username string `yaml:"username"`
	Password string `yaml:"password" secret:"true"`
}

// Defaults of the leader election.
const (
	DefaultLeaderTTL    = 5 * time.Second
	DefaultLeaderPrefix = "/homefleet/"
)

// Enabled reports whether this hub takes part in an election.
func (l Leader) Enabled() bool { return len(l.Etcd) > 0 }

func (l *Leader) setDefaults() {
	if !l.Enabled() {
		return
	}
	if l.Name == "" {
		if h, err := os.Hostname(); err == nil {
			l.Name = topic.ID(strings.ToLower(h))
		}
	}
	if l.TTL == 0 {
		l.TTL = DefaultLeaderTTL
	}
	if l.Prefix == "" {
		l.Prefix = DefaultLeaderPrefix
	}
	if !strings.HasSuffix(l.Prefix, "/") {
		l.Prefix += "/"
	}
}

func (l Leader) validate(v *validator, embedded bool) {
	if !l.Enabled() {
		if l.Name != "" || l.TTL != 0 {
			v.add("leader.etcd", "", "required when leader.name or leader.ttl is set: the etcd client URLs")
		}
		return
	}
	for i, e := range l.Etcd {
		u, err := url.Parse(e)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Port() == "" || u.Path != "" && u.Path != "/" {
			v.add(fmt.Sprintf("leader.etcd[%d]", i), e, "want an etcd client URL, http://host:2379 or https://host:2379")
		}
	}
	if l.Name == "" {
		v.add("leader.name", l.Name, "required: this hub's name among the members (the host name was not readable)")
	}
	v.id("leader.name", l.Name)
	if l.TTL < 2*time.Second || l.TTL > time.Minute || l.TTL%time.Second != 0 {
		v.add("leader.ttl", l.TTL.String(), "must be whole seconds from 2s to 60s (a takeover takes about this long)")
	}
	if !strings.HasPrefix(l.Prefix, "/") {
		v.add("leader.prefix", l.Prefix, "must start with /")
	}
	if (l.Username == "") != (l.Password == "") {
		v.add("leader.username", l.Username, "set both leader.username and leader.password, or neither")
	}
	if embedded {
		v.add("leader.etcd", strings.Join(l.Etcd, ","), "needs mqtt.url: hubs that fail over share one external broker (each embedded broker would be a bus of its own)")
	}
}
