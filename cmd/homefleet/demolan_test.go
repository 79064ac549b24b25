package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/homefleet/homefleet/internal/peer"
)

// TestDemoOnTheLANNeedsLogins runs `demo --listen 0.0.0.0:0` in a network
// namespace of its own (so nothing is exposed on a real interface): the
// banner shows the generated HA login, the log never shows a password,
// an anonymous mosquitto_sub is refused, and with the HA login it reads
// the agent's state.
func TestDemoOnTheLANNeedsLogins(t *testing.T) {
	peer.Root(t, "a network namespace for a 0.0.0.0 listener")
	unshare := peer.Binary(t, "unshare", "util-linux")
	ip := peer.Binary(t, "ip", "iproute2")
	sub := peer.Binary(t, "mosquitto_sub", "mosquitto-clients")
	bin := buildHomefleet(t)
	dir := t.TempDir()
	script := `set -u
` + ip + ` link set lo up
STATE_DIRECTORY=` + filepath.Join(dir, "state") + ` ` + bin + ` demo --listen 0.0.0.0:0 --interval 1s --log-level debug >` + dir + `/out 2>` + dir + `/err &
demo=$!
for i in $(seq 200); do grep -q "password" ` + dir + `/out && break; sleep 0.1; done
port=$(sed -n 's/.*Embedded MQTT broker: mqtt:\/\/.*:\([0-9]*\) (logins.*/\1/p' ` + dir + `/out)
pw=$(sed -n 's/.*username homeassistant, password \(.*\)$/\1/p' ` + dir + `/out)
echo "port=$port"
if ` + sub + ` -h 127.0.0.1 -p "$port" -t 'homefleet/#' -C 1 -W 5 >/dev/null 2>` + dir + `/anon; then echo "anonymous=accepted"; else echo "anonymous=refused"; fi
` + sub + ` -h 127.0.0.1 -p "$port" -u homeassistant -P "$pw" -t 'homefleet/+/state' -C 1 -W 20 | head -c 40; echo
echo "pw=$pw"
kill -INT $demo; wait $demo
echo "---out"; cat ` + dir + `/out; echo "---err"; cat ` + dir + `/err
`
	out, err := exec.Command(unshare, "-n", "sh", "-c", script).CombinedOutput()
	s := string(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
	if !strings.Contains(s, "anonymous=refused") {
		t.Errorf("an anonymous client was let in:\n%s", s)
	}
	if !regexp.MustCompile(`\n\{"v":1`).MatchString(s) {
		t.Errorf("the HA login read no state:\n%s", s)
	}
	pw := regexp.MustCompile(`pw=(\S+)`).FindStringSubmatch(s)
	if pw == nil || len(pw[1]) < 32 {
		t.Fatalf("no generated HA password in the banner:\n%s", s)
	}
	_, logs, _ := strings.Cut(s, "---err")
	if strings.Contains(logs, pw[1]) {
		t.Errorf("the log (debug level) shows the HA password:\n%s", logs)
	}
}
