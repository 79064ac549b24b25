package homeassistant

import (
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/homefleet/homefleet/internal/hajinja"
)

var entityRef = regexp.MustCompile(`\b(?:sensor|binary_sensor|switch|button)\.[a-z0-9_]+\b`)

// TestDashboard loads the dashboard and checks that every card is a
// standard one, every entity it shows is one discovery produces (by its
// default entity id), and its four views cover the fleet, disks, network,
// and schedules and jobs.
func TestDashboard(t *testing.T) {
	d, c := discovery(t), haCore(t)
	path := filepath.Join("dashboard", "homefleet.yaml")
	root := load(t, path)
	var views []string
	for _, v := range scalarsOrMaps(get(root, "views")) {
		views = append(views, valueOf(get(v, "path")))
	}
	if want := []string{"fleet", "disks", "network", "schedules"}; !slices.Equal(views, want) {
		t.Errorf("views %v, want %v", views, want)
	}
	shown := map[string]bool{}
	var cards int
	var tpls []string
	check := func(id string, line int) {
		if _, ok := d.entities[id]; !ok {
			t.Errorf("%s:%d: %s is no entity discovery produces", path, line, id)
		}
		shown[id] = true
	}
	pairs(root, nil, func(k string, v, _ *yaml.Node) {
		switch k {
		case "type":
			if !slices.Contains(c.Cards, v.Value) && !slices.Contains(c.RowTypes, v.Value) {
				t.Errorf("%s:%d: card %q is not a standard card or row", path, v.Line, v.Value)
			}
			cards++
		case "entity":
			check(v.Value, v.Line)
		case "entities":
			for _, e := range v.Content {
				if e.Kind == yaml.ScalarNode {
					check(e.Value, e.Line)
				}
			}
		case "content":
			tpls = append(tpls, v.Value)
			for _, id := range entityRef.FindAllString(v.Value, -1) {
				check(id, v.Line)
			}
		}
	})
	for i, err := range hajinja.Parse(t, tpls) {
		if err != "" {
			t.Errorf("%s: markdown template %d does not compile: %s", path, i, err)
		}
	}
	// Each area the dashboard promises has its entities on it.
	for _, id := range []string{"binary_sensor.wake_3f9a1c2b7d4e_awake", "sensor.nas_cpu", "sensor.nas_mem_pct", "sensor.nas_uptime",
		"sensor.disk_wd_wcc7k1234567_state", "sensor.disk_wd_wcc7k1234567_temp", "binary_sensor.disk_wd_wcc7k1234567_health",
		"sensor.homefleet_hub_public_ipv4", "binary_sensor.homefleet_hub_ddns_home_example_com_a", "binary_sensor.nas_probe_smb_nas",
		"sensor.schedule_nightly_next", "button.nas_job_backup"} {
		if !shown[id] {
			t.Errorf("the dashboard does not show %s", id)
		}
	}
	t.Logf("%d cards and rows, %d entities, all from discovery", cards, len(shown))
}
