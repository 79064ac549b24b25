package homeassistant

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/homefleet/homefleet/internal/hajinja"
)

// blueprintFiles are the six blueprints the README lists.
var blueprintFiles = []string{"idle_sleep.yaml", "backup_cycle.yaml", "disk_health.yaml", "public_ip.yaml", "probe_down.yaml", "smart_plug.yaml"}

// A blueprint under test: its inputs and their defaults.
type blueprint struct {
	file      string
	root      *yaml.Node
	inputs    map[string]*yaml.Node
	variables *yaml.Node
	t         *testing.T
}

// resolve is a node's value with !input replaced by the input's default.
func (b blueprint) resolve(n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	if n.Tag == "!input" {
		return b.resolve(get(b.inputs[n.Value], "default"))
	}
	var out []string
	for _, s := range scalars(n) {
		out = append(out, s.Value)
	}
	return out
}

var jinjaVar = regexp.MustCompile(`\{\{\s*(\w+)\s*\}\}`)

// fill replaces {{ var }} with the default of the input the variable (or
// the input of that name) holds.
func (b blueprint) fill(s string) string {
	return jinjaVar.ReplaceAllStringFunc(s, func(m string) string {
		name := jinjaVar.FindStringSubmatch(m)[1]
		if v := get(b.variables, name); v != nil {
			if r := b.resolve(v); len(r) == 1 {
				return r[0]
			}
		}
		if r := b.resolve(get(b.inputs[name], "default")); len(r) == 1 {
			return r[0]
		}
		return m
	})
}

// entityFilter is the (domain, device class) an entity input is filtered to.
func (b blueprint) entityFilter(n *yaml.Node) (domain, class string) {
	if n == nil || n.Tag != "!input" {
		return "", ""
	}
	for _, f := range scalarsOrMaps(get(get(get(b.inputs[n.Value], "selector"), "entity"), "filter")) {
		return get(f, "domain").Value, valueOf(get(f, "device_class"))
	}
	return "", ""
}

func scalarsOrMaps(n *yaml.Node) []*yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.SequenceNode {
		return n.Content
	}
	return []*yaml.Node{n}
}

func valueOf(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	return n.Value
}

// TestBlueprints loads every blueprint with HA's tags and checks that each
// selector filter names a domain and device class discovery produces (and
// the homefleet manufacturer), each !input is declared and each input
// used, each trigger, condition, action and device action is one HA core
// has, each MQTT trigger listens on a topic discovery announces triggers
// on and matches one of its trigger types (its value template rendered
// with Jinja2 against the golden document of that topic), each state a
// trigger waits for is an option of the entities it can watch, and every
// template compiles.
func TestBlueprints(t *testing.T) {
	d, c := discovery(t), haCore(t)
	dir := filepath.Join("blueprints", "automation", "homefleet")
	entries, _ := os.ReadDir(dir)
	var onDisk []string
	for _, e := range entries {
		onDisk = append(onDisk, e.Name())
	}
	if slices.Sort(onDisk); !slices.Equal(onDisk, slices.Sorted(slices.Values(blueprintFiles))) {
		t.Errorf("blueprints on disk %v, want %v", onDisk, blueprintFiles)
	}
	var tpls []string
	var where []string
	var jobs []hajinja.Job
	var checks []func(out string)
	for _, name := range blueprintFiles {
		path := filepath.Join(dir, name)
		root := load(t, path)
		meta := get(root, "blueprint")
		if valueOf(get(meta, "domain")) != "automation" || valueOf(get(meta, "name")) == "" ||
			!strings.HasSuffix(valueOf(get(meta, "source_url")), "/homeassistant/blueprints/automation/homefleet/"+name) {
			t.Errorf("%s: blueprint needs a name, domain automation and its source_url", name)
		}
		b := blueprint{file: name, root: root, inputs: map[string]*yaml.Node{}, variables: get(root, "variables"), t: t}
		in := get(meta, "input")
		for i := 0; in != nil && i+1 < len(in.Content); i += 2 {
			b.inputs[in.Content[i].Value] = in.Content[i+1]
		}
		checkInputs(t, b, d, c)
		for _, k := range []string{"triggers", "actions"} {
			if get(root, k) == nil {
				t.Errorf("%s: no %s", name, k)
			}
		}
		body := &yaml.Node{Kind: yaml.MappingNode}
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value != "blueprint" {
				body.Content = append(body.Content, root.Content[i], root.Content[i+1])
			}
		}
		var payloads []string
		var renderedHere []*string
		pairs(body, []string{"data", "event_data"}, func(k string, v, parent *yaml.Node) {
			switch k {
			case "trigger":
				if !slices.Contains(c.Triggers, v.Value) {
					t.Errorf("%s:%d: trigger %q is not one HA core has", name, v.Line, v.Value)
				}
				switch v.Value {
				case "mqtt":
					p, j, chk := b.checkMQTTTrigger(d, parent)
					payloads = append(payloads, p...)
					if j != nil {
						out := new(string)
						renderedHere = append(renderedHere, out)
						jobs = append(jobs, *j)
						checks = append(checks, func(s string) { *out = s; chk(s) })
					}
				case "state":
					b.checkStates(d, parent)
				}
			case "condition":
				if v.Kind == yaml.ScalarNode && !slices.Contains(c.Conditions, v.Value) {
					t.Errorf("%s:%d: condition %q is not one HA core has", name, v.Line, v.Value)
				}
			case "action":
				if v.Kind == yaml.ScalarNode && !slices.Contains(c.Actions, v.Value) {
					t.Errorf("%s:%d: action %q is not one HA core has", name, v.Line, v.Value)
				}
			case "domain":
				if get(parent, "type") != nil && get(parent, "device_id") != nil && !slices.Contains(c.DeviceActions, v.Value+":"+get(parent, "type").Value) {
					t.Errorf("%s:%d: device action %s %s is not one HA core has", name, v.Line, v.Value, get(parent, "type").Value)
				}
			}
		})
		for _, n := range templates(body) {
			tpls, where = append(tpls, n.Value), append(where, name+":"+strconv.Itoa(n.Line))
		}
		t.Cleanup(func() { // after the renders: a golden document must fire one of the file's MQTT triggers
			for _, out := range renderedHere {
				if !slices.Contains(payloads, *out) {
					t.Errorf("%s: the golden document renders %q, which none of its MQTT triggers (%q) matches", name, *out, payloads)
				}
			}
		})
	}
	for i, r := range hajinja.Render(t, jobs) {
		if r.Err != "" {
			t.Errorf("rendering %s: %s", jobs[i].Template, r.Err)
		}
		checks[i](r.Out)
	}
	for i, err := range hajinja.Parse(t, tpls) {
		if err != "" {
			t.Errorf("%s: template does not compile: %s\n%s", where[i], err, tpls[i])
		}
	}
	t.Logf("%d blueprints, %d templates compiled, %d MQTT trigger templates rendered", len(blueprintFiles), len(tpls), len(jobs))
}
