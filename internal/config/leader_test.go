package config

import (
	"strings"
	"testing"
	"time"
)

func TestHubLeader(t *testing.T) {
	bad := `leader: {etcd: ["10.0.0.2:2379", "http://10.0.0.3"], name: "Hub A", ttl: 1500ms, prefix: homefleet, username: root}
`
	_, err := LoadHub(writeFile(t, bad), noEnv)
	for _, want := range []string{`leader.etcd[0]: "10.0.0.2:2379": want an etcd client URL`, `leader.etcd[1]: "http://10.0.0.3"`,
		`leader.name: "Hub A": only a-z`, `leader.ttl: "1.5s": must be whole seconds`, `leader.username: "root": set both`,
		`leader.etcd: "10.0.0.2:2379,http://10.0.0.3": needs mqtt.url`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %s in %v", want, err)
		}
	}
	h, err := LoadHub(writeFile(t, "mqtt: {url: mqtt://10.0.0.2:1883}\nleader: {etcd: [http://10.0.0.2:2379], name: hub-a, password: s3cret, username: hub}\n"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if l := h.Leader; !l.Enabled() || l.TTL != 5*time.Second || l.Prefix != "/homefleet/" {
		t.Errorf("defaults: %+v", l)
	}
	if s := h.String(); strings.Contains(s, "s3cret") || !strings.Contains(s, "REDACTED") {
		t.Errorf("the etcd password is not redacted:\n%s", s)
	}
	if h, err := LoadHub("", noEnv); err != nil || h.Leader.Enabled() {
		t.Errorf("the default is one hub without etcd: %+v %v", h.Leader, err)
	}
}
