package discovery

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/homefleet/homefleet/internal/golden"
	"github.com/homefleet/homefleet/internal/hajinja"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// The other hub payloads' goldens: every discovery payload has one.
func TestHubFeaturePayloadGoldens(t *testing.T) {
	sc := topic.Default()
	golden.JSON(t, "prediction.golden.json", PredictionPayload("hub", testHost.ID, "wd-wcc7k1234567", "WD-WCC7K1234567", "1.0.0", sc))
	golden.JSON(t, "schedule.golden.json", SchedulePayload("hub", testHost.ID, "nightly", true, "1.0.0", sc))
	golden.JSON(t, "wake.golden.json", WakePayload("hub", testHost.ID, "", "1.0.0", sc))
	golden.JSON(t, "leader.golden.json", LeaderPayload("hub", "1.0.0", sc))
}

// docs are the golden documents (internal/wire/testdata) by the type
// they are, and which state topics carry them.
var docs = []struct {
	file  string
	typ   reflect.Type
	topic func(string) bool
}{
	{"state.golden.json", reflect.TypeFor[wire.State](), func(t string) bool { return strings.HasSuffix(t, "/state") && !strings.HasPrefix(t, "homefleet/hub/") }},
	{"hubstate.golden.json", reflect.TypeFor[wire.HubState](), func(t string) bool { return t == "homefleet/hub/state" }},
	{"disk.golden.json", reflect.TypeFor[wire.Disk](), func(t string) bool { return strings.Contains(t, "/disk/") && !strings.HasPrefix(t, "homefleet/hub/") }},
	{"evacuation.golden.json", reflect.TypeFor[wire.Evacuation](), func(t string) bool { return strings.Contains(t, "/evacuation/") }},
	{"prediction.golden.json", reflect.TypeFor[wire.Prediction](), func(t string) bool { return strings.HasPrefix(t, "homefleet/hub/disk/") }},
	{"schedule.golden.json", reflect.TypeFor[wire.ScheduleState](), func(t string) bool { return strings.HasPrefix(t, "homefleet/hub/schedule/") }},
	{"wakeresult.golden.json", reflect.TypeFor[wire.WakeResult](), func(t string) bool { return strings.HasPrefix(t, "homefleet/hub/wake/") }},
	{"publicip.golden.json", reflect.TypeFor[wire.PublicIP](), func(t string) bool { return t == "homefleet/hub/publicip" }},
	{"trigger.golden.json", reflect.TypeFor[wire.Trigger](), func(t string) bool { return t == "homefleet/hub/publicip/trigger" }},
	{"ddnsrecord.golden.json", reflect.TypeFor[wire.DDNSRecord](), func(t string) bool { return strings.HasPrefix(t, "homefleet/hub/ddns/") }},
	{"leader.golden.json", reflect.TypeFor[wire.Leader](), func(t string) bool { return t == "homefleet/hub/leader" }},
	{"noleader.golden.json", reflect.TypeFor[wire.Leader](), func(t string) bool { return t == "homefleet/hub/leader" }},
	{"probe.golden.json", reflect.TypeFor[wire.Probe](), func(t string) bool { return strings.Contains(t, "/probe/") }},
	{"event.golden.json", reflect.TypeFor[wire.Event](), func(t string) bool { return strings.HasSuffix(t, "/event") }},
}

// TestTemplatesRenderForEveryPayload renders, with the real Jinja2, every
// value and attribute template of every golden discovery payload against
// its golden document, with each optional field removed in turn and with
// all of them removed: numeric sensors must give a number (or None:
// unknown), binary sensors and switches their on/off payload (or None),
// enums one of their options, timestamps a time, attribute templates a
// JSON object, availability templates online/offline.
func TestTemplatesRenderForEveryPayload(t *testing.T) {
	variants := map[string][]string{} // golden doc file -> payloads
	for _, d := range docs {
		b, err := os.ReadFile(filepath.Join("..", "internal", "wire", "testdata", d.file))
		if err != nil {
			t.Fatal(err)
		}
		variants[d.file] = docVariants(t, b, d.typ)
	}
	files, _ := filepath.Glob("testdata/*.golden.json")
	var jobs []hajinja.Job
	var checks []func(hajinja.Result) error
	for _, f := range files {
		b, _ := os.ReadFile(f)
		var p Payload
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, id := range slices.Sorted(mapsKeys(p.Components)) {
			e := p.Components[id]
			add := func(what, tpl, stateTopic string, check func(string) error) {
				if tpl == "" {
					return
				}
				doc := docFor(stateTopic)
				if doc == "" {
					t.Errorf("%s %s: no golden document for %s", f, id, stateTopic)
					return
				}
				for i, v := range variants[doc] {
					jobs = append(jobs, hajinja.Job{Template: tpl, Payload: v})
					label := fmt.Sprintf("%s %s %s against %s variant %d", filepath.Base(f), id, what, doc, i)
					checks = append(checks, func(r hajinja.Result) error {
						if r.Err != "" {
							return fmt.Errorf("%s: %s\n  template %s\n  payload %s", label, r.Err, tpl, v)
						}
						if err := check(r.Out); err != nil {
							return fmt.Errorf("%s: %w\n  template %s\n  payload %s", label, err, tpl, v)
						}
						return nil
					})
				}
			}
			st := e.StateTopic
			if st == "" {
				st = p.StateTopic
			}
			if e.Platform == Trigger {
				st = e.Topic // a device trigger's template reads its own topic
			}
			add("value", e.ValueTemplate, st, valueCheck(e))
			add("attributes", e.JSONAttrTemplate, e.JSONAttrTopic, jsonObject)
			for _, a := range append(slices.Clone(p.Availability), e.Availability...) {
				add("availability", a.ValueTemplate, a.Topic, oneOf(topic.Online, topic.Offline))
			}
		}
	}
	res := hajinja.Render(t, jobs)
	for i, r := range res {
		if err := checks[i](r); err != nil {
			t.Error(err)
		}
	}
	t.Logf("%d renders of %d discovery payloads", len(res), len(files))
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func docFor(stateTopic string) string {
	for _, d := range docs {
		if d.topic(stateTopic) {
			return d.file
		}
	}
	return ""
}

func valueCheck(e Entity) func(string) error {
	none := func(out string) bool { return out == "None" }
	switch {
	case e.Platform == BinarySensor || e.Platform == Switch:
		on, off := e.PayloadOn, e.PayloadOff
		if on == "" {
			on, off = "ON", "OFF"
		}
		return oneOf(on, off, "None")
	case e.Platform == Trigger:
		return func(out string) error {
			if out == "" {
				return fmt.Errorf("trigger template rendered nothing")
			}
			return nil
		}
	case e.Platform != Sensor:
		return func(string) error { return nil }
	case e.DeviceClass == Enum:
		return oneOf(append(slices.Clone(e.Options), "None")...)
	case e.DeviceClass == Timestamp:
		return func(out string) error {
			if _, err := time.Parse(time.RFC3339, out); err != nil && !none(out) {
				return fmt.Errorf("timestamp sensor rendered %q", out)
			}
			return nil
		}
	case e.Unit != NoUnit || e.StateClass != NoStateClass:
		return func(out string) error {
			if _, err := strconv.ParseFloat(out, 64); err != nil && !none(out) {
				return fmt.Errorf("numeric sensor rendered %q", out)
			}
			return nil
		}
	}
	return func(string) error { return nil }
}

func oneOf(allowed ...string) func(string) error {
	return func(out string) error {
		if !slices.Contains(allowed, out) {
			return fmt.Errorf("rendered %q, want one of %q", out, allowed)
		}
		return nil
	}
}

func jsonObject(out string) error {
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		return fmt.Errorf("attribute template rendered %q, not a JSON object", out)
	}
	return nil
}

// docVariants is the golden document, then one copy per optional field
// (omitempty, or a pointer that may be null) with it removed or null,
// then one with all of them removed: every shape the code can send.
func docVariants(t *testing.T, golden []byte, typ reflect.Type) []string {
	t.Helper()
	var full map[string]any
	if err := json.Unmarshal(golden, &full); err != nil {
		t.Fatal(err)
	}
	paths := optionalPaths(typ, full, nil)
	out := []string{string(golden)}
	minimal := deepCopy(full)
	for _, p := range paths {
		v := deepCopy(full)
		drop(v, p.path, p.null)
		drop(minimal, p.path, p.null)
		b, _ := json.Marshal(v)
		out = append(out, string(b))
	}
	b, _ := json.Marshal(minimal)
	return append(out, string(b))
}

type optional struct {
	path []string
	null bool // a pointer without omitempty: sent as null, not left out
}

// optionalPaths walks the type beside the document. Maps whose keys name
// entities (fs, io, net, temp) are never removed: their entries are what
// the entities are made of; the fields inside them are walked.
func optionalPaths(typ reflect.Type, doc map[string]any, prefix []string) []optional {
	var out []optional
	for f := range typ.Fields() {
		tag := strings.Split(f.Tag.Get("json"), ",")
		name := tag[0]
		if name == "-" || name == "" {
			continue
		}
		path := append(slices.Clone(prefix), name)
		ft := f.Type
		omit := slices.Contains(tag[1:], "omitempty")
		if ft.Kind() == reflect.Map {
			if inner, ok := doc[name].(map[string]any); ok && ft.Elem().Kind() == reflect.Struct {
				for k, v := range inner {
					if m, ok := v.(map[string]any); ok {
						out = append(out, optionalPaths(ft.Elem(), m, append(slices.Clone(path), k))...)
					}
				}
			}
			continue
		}
		switch {
		case omit:
			out = append(out, optional{path: path})
		case ft.Kind() == reflect.Pointer:
			out = append(out, optional{path: path, null: true})
		}
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct {
			if m, ok := doc[name].(map[string]any); ok {
				out = append(out, optionalPaths(ft, m, path)...)
			}
		}
	}
	return out
}

func drop(doc map[string]any, path []string, null bool) {
	for _, k := range path[:len(path)-1] {
		next, ok := doc[k].(map[string]any)
		if !ok {
			return
		}
		doc = next
	}
	if null {
		doc[path[len(path)-1]] = nil
	} else {
		delete(doc, path[len(path)-1])
	}
}

func deepCopy(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}
