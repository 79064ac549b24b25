package homeassistant

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/homefleet/homefleet/internal/hajinja"
)

// checkInputs: each selector is one HA has; filters name what discovery
// produces; every !input is declared and every input used.
func checkInputs(t *testing.T, b blueprint, d discovered, c core) {
	t.Helper()
	for name, in := range b.inputs {
		sel := get(in, "selector")
		if sel == nil || len(sel.Content) != 2 || !slices.Contains(c.Selectors, sel.Content[0].Value) {
			t.Errorf("%s: input %s has no selector HA knows", b.file, name)
			continue
		}
		kind, spec := sel.Content[0].Value, sel.Content[1]
		for _, f := range scalarsOrMaps(get(spec, "filter")) {
			if valueOf(get(f, "integration")) != "mqtt" {
				continue // another integration's entity (a phone, a smart plug)
			}
			switch kind {
			case "entity":
				key := valueOf(get(f, "domain"))
				if dc := valueOf(get(f, "device_class")); dc != "" {
					key += "/" + dc
				}
				if !d.classes[key] {
					t.Errorf("%s: input %s is filtered to %s, which homefleet's discovery never produces", b.file, name, key)
				}
			case "device":
				if mf := valueOf(get(f, "manufacturer")); mf != "" && !d.manufacturers[mf] {
					t.Errorf("%s: input %s is filtered to manufacturer %q; discovery names %v", b.file, name, mf, d.manufacturers)
				}
			}
		}
	}
	used := map[string]bool{}
	for _, n := range every(b.root) {
		if n.Tag == "!input" {
			if _, ok := b.inputs[n.Value]; !ok {
				t.Errorf("%s:%d: !input %s is not declared", b.file, n.Line, n.Value)
			}
			used[n.Value] = true
		}
	}
	for name := range b.inputs {
		if !used[name] {
			t.Errorf("%s: input %s is declared but never used", b.file, name)
		}
	}
}

// goldenDocFor is the golden MQTT document published on a trigger topic
// whose payload is JSON (templates read value_json from it).
func goldenDocFor(t *testing.T, topic string) string {
	t.Helper()
	var name string
	switch {
	case strings.HasSuffix(topic, "/event"):
		name = "event.golden.json"
	case strings.HasSuffix(topic, "/publicip/trigger"):
		name = "trigger.golden.json"
	default:
		return ""
	}
	b, err := os.ReadFile(filepath.Join("..", "internal", "wire", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkMQTTTrigger checks one MQTT trigger against discovery; it returns
// the payload it fires on (defaults filled in) and, when it has a value
// template, the render of it against the topic's golden document with a
// check of the output.
func (b blueprint) checkMQTTTrigger(d discovered, tr *yaml.Node) ([]string, *hajinja.Job, func(string)) {
	t := b.t
	topics := b.resolve(get(tr, "topic"))
	if len(topics) != 1 {
		t.Errorf("%s:%d: MQTT trigger without a topic (or an input default for it)", b.file, tr.Line)
		return nil, nil, nil
	}
	types := d.triggerTypes(topics[0])
	if len(types) == 0 {
		t.Errorf("%s:%d: MQTT trigger on %s, where discovery announces no trigger", b.file, tr.Line, topics[0])
		return nil, nil, nil
	}
	var payloads []string
	for _, p := range b.resolve(get(tr, "payload")) {
		if p = b.fill(p); strings.Contains(p, "{{") {
			t.Errorf("%s:%d: MQTT trigger payload %q names a variable that is no input", b.file, tr.Line, p)
		}
		if kind, _, _ := strings.Cut(p, " "); !slices.Contains(types, kind) {
			t.Errorf("%s:%d: MQTT trigger payload %q is no trigger type discovery announces on %s (%v)", b.file, tr.Line, p, topics[0], types)
		}
		payloads = append(payloads, p)
	}
	vt := valueOf(get(tr, "value_template"))
	doc := goldenDocFor(t, topics[0])
	if vt == "" || doc == "" {
		return payloads, nil, nil
	}
	return payloads, &hajinja.Job{Template: vt, Payload: doc}, func(out string) {
		if kind, _, _ := strings.Cut(out, " "); !slices.Contains(types, kind) {
			t.Errorf("%s:%d: value template renders %q for the golden document on %s, no trigger type of %v", b.file, tr.Line, out, topics[0], types)
		}
	}
}

// checkStates: the states a state trigger waits for exist on the entities
// its input can pick.
func (b blueprint) checkStates(d discovered, tr *yaml.Node) {
	domain, class := b.entityFilter(get(tr, "entity_id"))
	if domain == "" {
		return
	}
	var options []string
	for _, e := range d.entities {
		if e.Platform == domain && (class == "" || e.DeviceClass == class) {
			options = append(options, e.Options...)
		}
	}
	if domain == "binary_sensor" || domain == "switch" {
		options = append(options, "on", "off")
	}
	for _, k := range []string{"to", "from"} {
		for _, s := range b.resolve(get(tr, k)) {
			if !slices.Contains(options, s) {
				b.t.Errorf("%s:%d: state trigger waits for %s %q, which no %s/%s entity of discovery has (%v)", b.file, tr.Line, k, s, domain, class, options)
			}
		}
	}
}
