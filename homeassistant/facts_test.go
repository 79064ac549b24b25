package homeassistant

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

// discovered is what homefleet's discovery produces, read from the golden
// discovery payloads.
type discovered struct {
	entities      map[string]component // default entity id -> component
	classes       map[string]bool      // "domain" and "domain/device_class" that exist
	triggers      map[string][]string  // trigger topic -> trigger types (payloads) on it
	manufacturers map[string]bool
}

type component struct {
	Platform    string   `json:"p"`
	EntityID    string   `json:"def_ent_id"`
	DeviceClass string   `json:"dev_cla"`
	Options     []string `json:"ops"`
	Topic       string   `json:"t"`
	Type        string   `json:"type"`
	Payload     string   `json:"pl"`
}

func discovery(t *testing.T) discovered {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "discovery", "testdata", "*.golden.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden discovery payloads: %v", err)
	}
	d := discovered{entities: map[string]component{}, classes: map[string]bool{}, triggers: map[string][]string{}, manufacturers: map[string]bool{}}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var p struct {
			Dev struct {
				MF string `json:"mf"`
			} `json:"dev"`
			Cmps map[string]component `json:"cmps"`
		}
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if p.Dev.MF != "" {
			d.manufacturers[p.Dev.MF] = true
		}
		for _, c := range p.Cmps {
			if c.Platform == "device_automation" {
				d.triggers[c.Topic] = append(d.triggers[c.Topic], c.Payload)
				continue
			}
			d.entities[c.EntityID] = c
			d.classes[c.Platform] = true
			if c.DeviceClass != "" {
				d.classes[c.Platform+"/"+c.DeviceClass] = true
			}
		}
	}
	return d
}

// triggerTypes are the trigger types on every discovered trigger topic
// the MQTT filter matches.
func (d discovered) triggerTypes(filter string) []string {
	var out []string
	for topic, types := range d.triggers {
		if topicMatches(filter, topic) {
			out = append(out, types...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// topicMatches is MQTT's filter matching (+ one level, # the rest).
func topicMatches(filter, topic string) bool {
	f, tp := strings.Split(filter, "/"), strings.Split(topic, "/")
	for i, part := range f {
		switch {
		case part == "#":
			return true
		case i >= len(tp):
			return false
		case part != "+" && part != tp[i]:
			return false
		}
	}
	return len(f) == len(tp)
}

// core is what Home Assistant core and the Supervisor provide.
type core struct {
	Actions         []string          `yaml:"actions"`
	DeviceActions   []string          `yaml:"device_actions"`
	Triggers        []string          `yaml:"triggers"`
	Conditions      []string          `yaml:"conditions"`
	ScriptKeys      []string          `yaml:"script_keys"`
	Selectors       []string          `yaml:"selectors"`
	Cards           []string          `yaml:"cards"`
	RowTypes        []string          `yaml:"row_types"`
	AddonRequired   []string          `yaml:"addon_required"`
	AddonKeys       []string          `yaml:"addon_keys"`
	AddonArches     []string          `yaml:"addon_arches"`
	AddonStartup    []string          `yaml:"addon_startup"`
	AddonPrivileged []string          `yaml:"addon_privileged"`
	AddonTypes      []string          `yaml:"addon_schema_types"`
	GoarchToAddon   map[string]string `yaml:"goarch_to_addon"`
}

func haCore(t *testing.T) core {
	t.Helper()
	var c core
	b, err := os.ReadFile(filepath.Join("testdata", "ha_core.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// load parses a YAML file as HA does, keeping its !input and !secret
// tags on the nodes, and returns the document's top mapping.
func load(t *testing.T, path string) *yaml.Node {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		t.Fatalf("%s: not a YAML mapping", path)
	}
	for _, n := range every(doc.Content[0]) {
		if n.Tag != "" && strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") && n.Tag != "!input" && n.Tag != "!secret" {
			t.Errorf("%s:%d: tag %s is not one HA knows (!input, !secret)", path, n.Line, n.Tag)
		}
	}
	return doc.Content[0]
}

// get is a mapping's value for key, or nil.
func get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// every is n and all nodes under it.
func every(n *yaml.Node) []*yaml.Node {
	out := []*yaml.Node{n}
	for _, c := range n.Content {
		out = append(out, every(c)...)
	}
	return out
}

// pairs calls f for every key/value pair of every mapping under n, not
// descending into the values of the skip keys.
func pairs(n *yaml.Node, skip []string, f func(key string, v, parent *yaml.Node)) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i].Value, n.Content[i+1]
			f(k, v, n)
			if !slices.Contains(skip, k) {
				pairs(v, skip, f)
			}
		}
	case yaml.SequenceNode, yaml.DocumentNode:
		for _, c := range n.Content {
			pairs(c, skip, f)
		}
	}
}

// scalars are a node's scalar values: itself, or a sequence's items.
func scalars(n *yaml.Node) []*yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.SequenceNode {
		var out []*yaml.Node
		for _, c := range n.Content {
			out = append(out, scalars(c)...)
		}
		return out
	}
	if n.Kind == yaml.ScalarNode {
		return []*yaml.Node{n}
	}
	return nil
}

// templates are the scalars under n that hold Jinja.
func templates(n *yaml.Node) []*yaml.Node {
	var out []*yaml.Node
	for _, c := range every(n) {
		if c.Kind == yaml.ScalarNode && (strings.Contains(c.Value, "{{") || strings.Contains(c.Value, "{%")) {
			out = append(out, c)
		}
	}
	return out
}
