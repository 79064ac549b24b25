package topic

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/homefleet/homefleet/internal/golden"
)

// TestIDAndKey: ID makes a topic level and HA id of any name; Key also
// a Jinja attribute name (a letter first, no '-').
func TestIDAndKey(t *testing.T) {
	tests := []struct{ in, id, key string }{
		{"nas.lan", "nas_lan", "nas_lan"},
		{"My PC", "my_pc", "my_pc"},
		{"/", "unknown", "unknown"},
		{"/srv/data", "srv_data", "srv_data"},
		{"a+b#c/d", "a_b_c_d", "a_b_c_d"},
		{"--x--", "--x--", "x"},
		{"Ünïcode", "n_code", "n_code"},
		{"", "unknown", "unknown"},
		{"nvme0n1", "nvme0n1", "nvme0n1"},
		{"0", "0", "x0"},
		{"k10temp-pci", "k10temp-pci", "k10temp_pci"},
	}
	for _, tt := range tests {
		if id, key := ID(tt.in), Key(tt.in); id != tt.id || key != tt.key {
			t.Errorf("%q: ID %q Key %q, want %q %q", tt.in, id, key, tt.id, tt.key)
		}
	}
}

func TestParseAvailability(t *testing.T) {
	s := Default()
	tests := []struct {
		topic, payload string
		dev            string
		online, ok     bool
		err            error
	}{
		{"homefleet/nas/status", "online", "nas", true, true, nil},
		{"homefleet/nas/status", "offline", "nas", false, true, nil},
		{"homefleet/hub/status", "online", "", false, false, nil},
		{"homefleet/nas/state", "online", "", false, false, nil},
		{"homefleet/nas/status", "<html>502</html>", "nas", false, false, ErrAvailability},
	}
	for _, tt := range tests {
		dev, online, ok, err := s.ParseAvailability(tt.topic, []byte(tt.payload))
		if dev != tt.dev || online != tt.online || ok != tt.ok || !errors.Is(err, tt.err) {
			t.Errorf("%s %q: %q %v %v %v", tt.topic, tt.payload, dev, online, ok, err)
		}
	}
}

func TestScheme(t *testing.T) {
	s := Default()
	tests := []struct{ got, want string }{
		{s.Status("Nas.lan"), "homefleet/nas_lan/status"},
		{s.State("nas"), "homefleet/nas/state"},
		{s.Disk("nas", "WD-123 45"), "homefleet/nas/disk/wd-123_45"},
		{s.Net("nas"), "homefleet/nas/net"},
		{s.Event("nas"), "homefleet/nas/event"},
		{s.Command("nas", "sleep"), "homefleet/nas/cmd/sleep"},
		{s.Commands("nas"), "homefleet/nas/cmd/#"},
		{s.AllStatus(), "homefleet/+/status"},
		{s.Discovery("nas"), "homeassistant/device/nas/config"},
		{s.NodeDiscovery("nas", "nas_sda"), "homeassistant/device/nas/nas_sda/config"},
		{s.OwnDiscovery("nas"), "homeassistant/device/nas/#"},
		{s.HAStatus(), "homeassistant/status"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	if d, ok := s.ParseStatus("homefleet/nas/status"); !ok || d != "nas" {
		t.Errorf("ParseStatus = %q %v", d, ok)
	}
	for _, bad := range []string{"homefleet/nas/state", "other/nas/status", "homefleet//status", "homefleet/a/b/status"} {
		if _, ok := s.ParseStatus(bad); ok {
			t.Errorf("ParseStatus(%q) accepted", bad)
		}
	}
	if v, ok := s.ParseCommand("nas", "homefleet/nas/cmd/refresh"); !ok || v != "refresh" {
		t.Errorf("ParseCommand = %q %v", v, ok)
	}
	if d, k, ok := s.ParseDisk("homefleet/nas/disk/wd-1"); !ok || d != "nas" || k != "wd-1" {
		t.Errorf("ParseDisk = %q %q %v", d, k, ok)
	}
	for _, bad := range []string{"homefleet/hub/disk/nas/wd-1", "homefleet/nas/state", "homefleet/nas/disk/"} {
		if _, _, ok := s.ParseDisk(bad); ok {
			t.Errorf("ParseDisk(%q) accepted", bad)
		}
	}
	if _, ok := s.ParseCommand("nas", "homefleet/pc/cmd/refresh"); ok {
		t.Error("ParseCommand accepted another device's command")
	}
}

var idRE = regexp.MustCompile(`^[a-z0-9_-]+$`)
var keyRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

func FuzzID(f *testing.F) {
	for _, s := range []string{"nas.lan", "", "/", "+#", "0abc", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id := ID(s)
		if !idRE.MatchString(id) {
			t.Fatalf("ID(%q) = %q, not [a-z0-9_-]+", s, id)
		}
		if ID(id) != id {
			t.Fatalf("ID not idempotent on %q", id)
		}
		if k := Key(s); !keyRE.MatchString(k) {
			t.Fatalf("Key(%q) = %q", s, k)
		}
	})
}

// TestTopicListGolden pins the MQTT contract: every topic a device and the
// hub use, as MQTT Explorer shows them.
func TestTopicListGolden(t *testing.T) {
	s := Default()
	lines := []string{
		s.Status("nas") + "  retained online|offline (LWT)",
		s.State("nas") + "  retained state JSON",
		s.Disk("nas", "WD-WX12345") + "  disk JSON",
		s.Net("nas") + "  retained network identity",
		s.Command("nas", "refresh") + "  command",
		s.Commands("nas") + "  agent subscription",
		s.Event("nas") + "  events, not retained",
		s.Status("hub") + "  hub availability",
		s.State("hub") + "  hub state",
		s.AllStatus() + "  hub subscription",
		s.AllDisks() + "  hub subscription",
		s.HubDisk("nas", "WD-WX12345") + "  retained disk prediction",
		s.HubDiskTrigger("nas", "WD-WX12345") + "  HA device triggers disk_watch|disk_critical|disk_failing",
		s.AllNet() + "  hub subscription: wake targets",
		s.AllCommands("wake") + "  hub subscription: Wake buttons",
		s.HubWake("nas") + "  retained last wake result",
		s.HubWakeTrigger("nas") + "  HA device triggers woke|wake_failed",
		s.RunJob("nas", "backup") + "  start a job of the agent's config",
		s.Evacuate("nas", "WD-WX12345") + "  copy the disk's data off it (Evacuate data button, or the hub)",
		s.Evacuation("nas", "WD-WX12345") + "  retained evacuation: state, bytes, percent, eta, reason",
		s.AllEvents() + "  hub subscription: job results",
		s.AllStates() + "  hub subscription: idle verdicts",
		s.HubSchedule("nightly-backup") + "  retained schedule state: enabled, next run, last result",
		s.HubScheduleTrigger("nightly-backup") + "  HA device triggers backup_finished|backup_failed",
		s.HubPublicIP() + "  retained public IPv4/IPv6, previous, sources, CGNAT",
		s.HubPublicIPTrigger() + "  HA device triggers ip_changed|ddns_update_failed (JSON with details)",
		s.HubDDNS("home.example.com/A") + "  retained DDNS record state: in sync, last error, propagation",
		s.Command("hub", "ddns_update") + "  Update DDNS now button",
		s.HubLeader() + "  retained election document (failover): the leader, its lease and revision, or none and why",
		s.HubMemberStatus("hub-nas") + "  retained availability (LWT) of one hub among those that fail over",
		s.Command("nas", "wake") + "  HA's Wake button (the hub wakes nas)",
		s.Probe("nas", "smb-nas") + "  retained probe result: up, latency, error",
		s.Claim("nas") + "  agent start-up marker (another machine under this id?)",
		s.Discovery("nas") + "  retained HA device discovery",
		s.NodeDiscovery("nas", DiskNode("nas", "WD-WX12345")) + "  retained HA discovery of a disk (nodes nest under their owner)",
		s.NodeDiscovery(HubID, WakeNode("nas")) + "  retained HA discovery of the hub's Wake node of nas",
		s.HAStatus() + "  HA birth/will",
	}
	golden.Assert(t, "topics.golden.txt", []byte(strings.Join(lines, "\n")+"\n"))
}

var readmeTopic = regexp.MustCompile("^\\| (`[^|]+) \\|")

// TestREADMETopicTable: README's topic table and the golden topic list
// say the same: every topic of the list has a row, every row a topic.
func TestREADMETopicTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(string(readme), "## MQTT topics")
	table, _, _ = strings.Cut(table, "\n## ")
	var rows []*regexp.Regexp
	var names []string
	for line := range strings.Lines(table) {
		m := readmeTopic.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		for _, cell := range strings.Split(m[1], "`, `") {
			cell = strings.Trim(strings.Fields(cell)[0], "`")
			pattern := regexp.QuoteMeta(cell)
			pattern = regexp.MustCompile(`<[a-z_]+>`).ReplaceAllString(strings.ReplaceAll(pattern, `\<`, "<"), "[^/]+")
			rows = append(rows, regexp.MustCompile("^"+pattern+"(/trigger)?$"))
			names = append(names, cell)
		}
	}
	golden, err := os.ReadFile("testdata/topics.golden.txt")
	if err != nil {
		t.Fatal(err)
	}
	used := make([]bool, len(rows))
	for line := range strings.Lines(string(golden)) {
		tp, _, _ := strings.Cut(line, "  ")
		if strings.ContainsAny(tp, "+#") {
			continue // a subscription filter, not a topic
		}
		found := false
		for i, r := range rows {
			if r.MatchString(tp) {
				found, used[i] = true, true
			}
		}
		if !found {
			t.Errorf("README's topic table has no row for %s", tp)
		}
	}
	for i, u := range used {
		if !u {
			t.Errorf("README's topic row %s is no topic of the golden list", names[i])
		}
	}
}
