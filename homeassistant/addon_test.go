package homeassistant

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/homefleet/homefleet/internal/config"
)

// TestAddon checks the hub add-on's config.yaml against the add-on
// configuration reference (keys, arch names, startup, privileges, schema
// types), its arch list against the cross-builds CI compiles, and its
// options against the hub config: the defaults and an example with every
// option set load and validate as a hub config file (unknown keys are
// errors there), and the broker run.sh takes from the Mosquitto add-on
// reaches the hub through the environment names it exports.
func TestAddon(t *testing.T) {
	c := haCore(t)
	path := filepath.Join("addon", "config.yaml")
	root := load(t, path)
	for i := 0; i+1 < len(root.Content); i += 2 {
		if k := root.Content[i].Value; !slices.Contains(c.AddonKeys, k) {
			t.Errorf("%s: %q is not an add-on config key", path, k)
		}
	}
	for _, k := range c.AddonRequired {
		if get(root, k) == nil {
			t.Errorf("%s: required key %q missing", path, k)
		}
	}
	var arches []string
	for _, a := range scalars(get(root, "arch")) {
		arches = append(arches, a.Value)
	}
	if want := crossBuildArches(t, c); !slices.Equal(slices.Sorted(slices.Values(arches)), want) {
		t.Errorf("arch %v, want %v (the linux cross-builds in .ci/run)", arches, want)
	}
	if !slices.Contains(c.AddonStartup, valueOf(get(root, "startup"))) {
		t.Errorf("startup %q", valueOf(get(root, "startup")))
	}
	if !slices.ContainsFunc(scalars(get(root, "services")), func(n *yaml.Node) bool { return n.Value == "mqtt:need" }) {
		t.Error("services lacks mqtt:need: the add-on would not get the Mosquitto add-on's credentials")
	}
	for _, p := range scalars(get(root, "privileged")) {
		if !slices.Contains(c.AddonPrivileged, p.Value) {
			t.Errorf("privileged %q is not a capability the Supervisor grants", p.Value)
		}
	}
	if !strings.Contains(valueOf(get(root, "image")), "{arch}") {
		t.Error("image must name {arch}")
	}
	schema := get(root, "schema")
	checkSchemaTypes(t, schema, "", c)
	example := load(t, filepath.Join("testdata", "addon-options.yaml"))
	for name, opts := range map[string]*yaml.Node{"options": get(root, "options"), "example": example} {
		conform(t, name, opts, schema, "")
		hubLoads(t, name, opts)
	}
	covers(t, example, schema, "")
}

// crossBuildArches are the Supervisor's names of the linux targets .ci/run
// cross-builds.
func crossBuildArches(t *testing.T, c core) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile(`linux/(\w+)`).FindAllStringSubmatch(string(b), -1) {
		if a, ok := c.GoarchToAddon[m[1]]; ok && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return out
}

var schemaType = regexp.MustCompile(`^(\w+)(\(.*\))?\??$`)

func checkSchemaTypes(t *testing.T, n *yaml.Node, at string, c core) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			checkSchemaTypes(t, n.Content[i+1], at+"."+n.Content[i].Value, c)
		}
	case yaml.SequenceNode:
		for _, e := range n.Content {
			checkSchemaTypes(t, e, at+"[]", c)
		}
	case yaml.ScalarNode:
		m := schemaType.FindStringSubmatch(n.Value)
		if m == nil || !slices.Contains(c.AddonTypes, m[1]) {
			t.Errorf("schema%s: %q is not an add-on schema type", at, n.Value)
		}
	}
}

// conform checks option values against the schema: known keys, list()
// choices, match() patterns, int and bool types.
func conform(t *testing.T, name string, v, schema *yaml.Node, at string) {
	switch schema.Kind {
	case yaml.MappingNode:
		for i := 0; v != nil && i+1 < len(v.Content); i += 2 {
			k := v.Content[i].Value
			s := get(schema, k)
			if s == nil {
				t.Errorf("%s%s.%s: not in the add-on schema", name, at, k)
				continue
			}
			conform(t, name, v.Content[i+1], s, at+"."+k)
		}
	case yaml.SequenceNode:
		for _, e := range v.Content {
			conform(t, name, e, schema.Content[0], at+"[]")
		}
	case yaml.ScalarNode:
		m := schemaType.FindStringSubmatch(schema.Value)
		arg := strings.TrimSuffix(strings.TrimPrefix(m[2], "("), ")")
		ok := true
		switch m[1] {
		case "list":
			ok = slices.Contains(strings.Split(arg, "|"), v.Value)
		case "match":
			ok = regexp.MustCompile(arg).MatchString(v.Value)
		case "int":
			ok = v.Tag == "!!int"
		case "bool":
			ok = v.Tag == "!!bool"
		}
		if !ok {
			t.Errorf("%s%s: %q does not fit %s", name, at, v.Value, schema.Value)
		}
	}
}

// covers: the example sets every option of the schema.
func covers(t *testing.T, v, schema *yaml.Node, at string) {
	switch schema.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(schema.Content); i += 2 {
			k := schema.Content[i].Value
			if get(v, k) == nil {
				t.Errorf("the example options leave %s%s unset", at, "."+k)
				continue
			}
			covers(t, get(v, k), schema.Content[i+1], at+"."+k)
		}
	case yaml.SequenceNode:
		if len(v.Content) == 0 {
			t.Errorf("the example options have no %s item", at)
			return
		}
		covers(t, v.Content[0], schema.Content[0], at+"[]")
	}
}

// hubLoads writes opts as the add-on does (/data/options.json; JSON is
// YAML) and loads it as the hub's config with run.sh's environment.
func hubLoads(t *testing.T, name string, opts *yaml.Node) {
	t.Helper()
	b, err := yaml.Marshal(opts)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "options.yaml")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	env := runShEnv(t)
	cfg, err := config.LoadHub(file, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("the add-on's %s do not load as a hub config: %v", name, err)
	}
	if cfg.MQTT.URL != env["HOMEFLEET_MQTT_URL"] || cfg.MQTT.Username != "addons" || cfg.MQTT.Password != "from-the-supervisor" {
		t.Errorf("run.sh's broker did not reach the hub: %+v", cfg.MQTT)
	}
}

// runShEnv is the environment run.sh exports, with the Supervisor's
// answers filled in.
func runShEnv(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("addon", "run.sh"))
	if err != nil {
		t.Fatal(err)
	}
	answers := map[string]string{"host": "core-mosquitto", "port": "1883", "username": "addons", "password": "from-the-supervisor"}
	env := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^(?:export )?(HOMEFLEET_\w+)="(.*)"$`).FindAllStringSubmatch(string(b), -1) {
		v := regexp.MustCompile(`\$\(bashio::services mqtt (\w+)\)`).ReplaceAllStringFunc(m[2], func(s string) string {
			return answers[regexp.MustCompile(`mqtt (\w+)`).FindStringSubmatch(s)[1]]
		})
		env[m[1]] = v
	}
	for _, k := range []string{"HOMEFLEET_MQTT_URL", "HOMEFLEET_MQTT_USERNAME", "HOMEFLEET_MQTT_PASSWORD"} {
		if env[k] == "" {
			t.Errorf("run.sh does not export %s", k)
		}
	}
	return env
}
