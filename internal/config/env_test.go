package config

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestEveryKeyFromTheEnvironment walks the agent and hub configs and sets
// every key the environment can carry (all but lists of objects and
// maps, which only a file holds) from HOMEFLEET_<PATH>, then checks the
// loaded config holds the value.
func TestEveryKeyFromTheEnvironment(t *testing.T) {
	for _, c := range []struct {
		name string
		typ  reflect.Type
		load func(LookupEnv) (any, error)
	}{
		{"agent", reflect.TypeFor[Agent](), func(e LookupEnv) (any, error) { a, err := loadRaw[Agent](e); return a, err }},
		{"hub", reflect.TypeFor[Hub](), func(e LookupEnv) (any, error) { h, err := loadRaw[Hub](e); return h, err }},
	} {
		keys := leafKeys(c.typ, "")
		env := map[string]string{}
		for _, k := range keys {
			env[EnvName(k.path)] = k.text
		}
		got, err := c.load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		v := reflect.ValueOf(got)
		for _, k := range keys {
			f := v.FieldByIndex(k.index)
			if fmt.Sprint(f.Interface()) != fmt.Sprint(k.want) {
				t.Errorf("%s %s (%s=%q) = %v, want %v", c.name, k.path, EnvName(k.path), k.text, f.Interface(), k.want)
			}
		}
		t.Logf("%s: %d keys set from the environment", c.name, len(keys))
	}
}

// loadRaw applies the environment only (no defaults, no validation: the
// values are of the right type, not sensible).
func loadRaw[T any](env LookupEnv) (T, error) {
	var c T
	err := overlayEnv(reflect.ValueOf(&c).Elem(), "", env)
	return c, err
}

type leaf struct {
	path  string
	index []int
	text  string
	want  any
}

func leafKeys(t reflect.Type, prefix string) []leaf {
	var out []leaf
	for i := range t.NumField() {
		f := t.Field(i)
		key := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if key == "" || key == "-" {
			continue
		}
		path := key
		if prefix != "" {
			path = prefix + "." + key
		}
		ft := f.Type
		switch {
		case ft.Kind() == reflect.Struct:
			for _, l := range leafKeys(ft, path) {
				l.index = append([]int{i}, l.index...)
				out = append(out, l)
			}
			continue
		case ft.Kind() == reflect.Map || (ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct):
			continue // a file's only
		}
		text, want := sample(ft)
		out = append(out, leaf{path: path, index: []int{i}, text: text, want: want})
	}
	return out
}

// sample is a value of the type, as text and as the field shows it.
func sample(t reflect.Type) (string, any) {
	switch {
	case t == durationType:
		return "90s", 90 * time.Second
	case t.Kind() == reflect.String:
		return "x-1", "x-1"
	case t.Kind() == reflect.Bool:
		return "true", true
	case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Bool:
		return "true", "true" // printed through the pointer below
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		return "42", 42
	case t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64:
		return "42", 42
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return "1.5", 1.5
	case t.Kind() == reflect.Slice:
		s, w := sample(t.Elem())
		return s + ", " + s, "[" + fmt.Sprint(w) + " " + fmt.Sprint(w) + "]"
	}
	panic("no sample for " + t.String())
}

// TestEveryErrorAtOnce: two unreadable secret files, a bad value from the
// environment and a bad field in the file are reported together.
func TestEveryErrorAtOnce(t *testing.T) {
	env := map[string]string{"HOMEFLEET_IDLE_LOAD_MAX": "high", "HOMEFLEET_IDLE_PORTS": "22,ssh"}
	_, err := LoadHub(writeFile(t, `mqtt: {url: "mqtt://nas:1883", username: u, password_file: /nonexistent/a}
ddns: {providers: [{name: duck, kind: duckdns, token_file: /nonexistent/b}]}
wake: {port: 70000}
`), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	for _, want := range []string{"mqtt.password_file", "ddns.providers[0].token_file", "wake.port"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %s in %v", want, err)
		}
	}
	_, err = LoadAgent("", func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	for _, want := range []string{`HOMEFLEET_IDLE_LOAD_MAX: "high": not a number`, `HOMEFLEET_IDLE_PORTS: "22,ssh": item 2 "ssh": not a whole number`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %s in %v", want, err)
		}
	}
}
