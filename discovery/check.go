package discovery

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// ErrRule is wrapped by every rule violation Check reports.
var ErrRule = errors.New("HA discovery rule")

var (
	deviceTopicRE = regexp.MustCompile(`^[a-zA-Z0-9_-]+/device/[a-z0-9_-]+(?:/[a-z0-9_-]+)?/config$`)
	idRE          = regexp.MustCompile(`^[a-z0-9_-]+$`)
	entityIDRE    = regexp.MustCompile(`^([a-z_]+)\.([a-z0-9_]+)$`)
	templateKeyRE = regexp.MustCompile(`value_json((?:\.[a-zA-Z_][a-zA-Z0-9_]*)+)`)
)

var platforms = []Component{Sensor, BinarySensor, Button, Switch, Trigger, "number", "select", "text", "update", "event"}

// Checker applies the rules by which Home Assistant rejects or mangles a
// device-based discovery payload, across messages (unique ids must be
// unique across the whole broker). It is what an HA-like consumer sees.
type Checker struct {
	uniqueIDs map[string]string // unique_id -> discovery topic
}

// NewChecker returns a checker with no ids seen.
func NewChecker() *Checker { return &Checker{uniqueIDs: map[string]string{}} }

// Check validates one discovery message. states maps a state topic to its
// latest payload; every value_template key must exist in it.
func (c *Checker) Check(topic string, payload []byte, states map[string][]byte) []error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %w: %s", topic, ErrRule, fmt.Sprintf(format, args...)))
	}
	if !deviceTopicRE.MatchString(topic) {
		bad("topic is not <prefix>/device/[<owner>/]<[a-z0-9_-]>/config")
	}
	if len(payload) == 0 {
		return errs // an empty payload deletes the device
	}
	var root map[string]any
	if err := json.Unmarshal(payload, &root); err != nil {
		bad("payload is not a JSON object: %v", err)
		return errs
	}
	dev, _ := root["dev"].(map[string]any)
	if ids, _ := dev["ids"].([]any); len(ids) == 0 && dev["cns"] == nil {
		bad("dev needs ids or cns")
	}
	devName, _ := dev["name"].(string)
	if o, _ := root["o"].(map[string]any); o == nil || o["name"] == nil {
		bad("o (origin) with a name is required")
	}
	cmps, _ := root["cmps"].(map[string]any)
	if len(cmps) == 0 {
		bad("cmps (components) is required and must not be empty")
	}
	for _, id := range sortedKeys(cmps) {
		comp, ok := cmps[id].(map[string]any)
		if !ok {
			bad("component %q is not an object", id)
			continue
		}
		for _, e := range c.checkComponent(topic, id, comp, root, devName, states) {
			bad("component %q: %s", id, e)
		}
	}
	return errs
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func inherited(comp, root map[string]any, k string) string {
	if s := str(comp, k); s != "" {
		return s
	}
	return str(root, k)
}

func (c *Checker) checkComponent(topic, id string, comp, root map[string]any, devName string, states map[string][]byte) []string {
	var errs []string
	p := Component(str(comp, "p"))
	if !idRE.MatchString(id) {
		errs = append(errs, "component id must be [a-z0-9_-]")
	}
	if !slices.Contains(platforms, p) {
		return append(errs, fmt.Sprintf("platform p=%q is not supported", p))
	}
	if len(comp) == 1 {
		return errs // {"p": ...} alone removes the component
	}
	if _, ok := comp["obj_id"]; ok {
		errs = append(errs, "obj_id/object_id is deprecated (HA 2025.10): use def_ent_id")
	}
	if _, ok := comp["object_id"]; ok {
		errs = append(errs, "object_id is deprecated (HA 2025.10): use default_entity_id")
	}
	if p != Trigger {
		errs = append(errs, c.checkIdentity(topic, p, comp)...)
	}
	if name := str(comp, "name"); devName != "" && strings.HasPrefix(strings.ToLower(name), strings.ToLower(devName)) {
		errs = append(errs, fmt.Sprintf("name %q starts with the device name %q", name, devName))
	}
	cat := Category(str(comp, "ent_cat"))
	if cat != Primary && cat != Diagnostic && cat != Config {
		errs = append(errs, fmt.Sprintf("ent_cat %q is not diagnostic or config", cat))
	}
	if cat == Config && (p == Sensor || p == BinarySensor) {
		errs = append(errs, "sensors cannot have ent_cat config")
	}
	if inherited(comp, root, "avty_t") == "" && comp["avty"] == nil && root["avty"] == nil {
		errs = append(errs, "no availability topic")
	}
	switch p {
	case Sensor, BinarySensor:
		errs = append(errs, checkSensorClass(p, comp)...)
		st := inherited(comp, root, "stat_t")
		if st == "" {
			errs = append(errs, "no state topic")
		} else if tpl := str(comp, "val_tpl"); tpl != "" {
			errs = append(errs, checkTemplate(tpl, st, states)...)
		}
	case Button, Switch:
		if inherited(comp, root, "cmd_t") == "" {
			errs = append(errs, "no command topic")
		}
	}
	return errs
}

func (c *Checker) checkIdentity(topic string, p Component, comp map[string]any) []string {
	var errs []string
	uid := str(comp, "uniq_id")
	switch {
	case uid == "":
		errs = append(errs, "uniq_id is required")
	case !idRE.MatchString(uid):
		errs = append(errs, fmt.Sprintf("uniq_id %q must be [a-z0-9_-]", uid))
	default:
		key := string(p) + "/" + uid
		if other, dup := c.uniqueIDs[key]; dup && other != topic {
			errs = append(errs, fmt.Sprintf("uniq_id %q already used by %s", uid, other))
		}
		c.uniqueIDs[key] = topic
	}
	if def := str(comp, "def_ent_id"); def != "" {
		m := entityIDRE.FindStringSubmatch(def)
		if m == nil || m[1] != string(p) {
			errs = append(errs, fmt.Sprintf("def_ent_id %q must be %s.<[a-z0-9_]>", def, p))
		}
	}
	return errs
}

func checkSensorClass(p Component, comp map[string]any) []string {
	var errs []string
	dc := DeviceClass(str(comp, "dev_cla"))
	unit := Unit(str(comp, "unit_of_meas"))
	sc := StateClass(str(comp, "stat_cla"))
	if p == BinarySensor {
		if unit != NoUnit || sc != NoStateClass {
			errs = append(errs, "binary_sensor takes no unit or state class")
		}
		return errs
	}
	if allowed, ok := AllowedUnits[dc]; ok && !slices.Contains(allowed, unit) {
		errs = append(errs, fmt.Sprintf("unit %q is not valid for device_class %q", unit, dc))
	}
	if sc != NoStateClass && sc != Measurement && sc != Total && sc != TotalIncreasing {
		errs = append(errs, fmt.Sprintf("stat_cla %q is not a state class", sc))
	}
	if allowed, ok := AllowedStateClasses[dc]; ok && !slices.Contains(allowed, sc) {
		errs = append(errs, fmt.Sprintf("stat_cla %q is not valid for device_class %q", sc, dc))
	}
	return errs
}

// checkTemplate checks that every value_json path of tpl exists in the
// JSON document last seen on stateTopic.
func checkTemplate(tpl, stateTopic string, states map[string][]byte) []string {
	raw, ok := states[stateTopic]
	if !ok {
		return nil // no state seen yet: nothing to compare against
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return []string{fmt.Sprintf("state on %s is not JSON", stateTopic)}
	}
	var errs []string
	for _, m := range templateKeyRE.FindAllStringSubmatch(tpl, -1) {
		if guarded(tpl, m[1]) {
			continue // absent is allowed: the template renders None (unknown)
		}
		if !hasPath(doc, strings.Split(strings.TrimPrefix(m[1], "."), ".")) {
			errs = append(errs, fmt.Sprintf("value_template key %s missing from the state on %s", m[1], stateTopic))
		}
	}
	return errs
}

// guarded reports whether the template copes with path being absent: a
// default() on it, or an "is defined" test on it or a parent.
func guarded(tpl, path string) bool {
	if strings.Contains(tpl, "value_json"+path+" | default(") {
		return true
	}
	for p := path; p != ""; p = p[:strings.LastIndex(p, ".")] {
		if strings.Contains(tpl, "value_json"+p+" is defined") {
			return true
		}
	}
	return false
}

func hasPath(doc any, path []string) bool {
	for _, k := range path {
		obj, isObj := doc.(map[string]any)
		if !isObj {
			return false
		}
		v, ok := obj[k]
		if !ok {
			return false
		}
		doc = v
	}
	return true
}
