package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// EnvPrefix starts every environment override: mqtt.url is HOMEFLEET_MQTT_URL.
const EnvPrefix = "HOMEFLEET_"

// LookupEnv is os.LookupEnv's shape, injected so tests need no real env.
type LookupEnv func(string) (string, bool)

// LoadAgent reads path (may be empty), applies env overrides and secret
// files, fills defaults and validates, reporting every error at once.
func LoadAgent(path string, env LookupEnv) (Agent, error) { return loadChecked[Agent](path, env) }

// LoadHub is LoadAgent for the hub.
func LoadHub(path string, env LookupEnv) (Hub, error) { return loadChecked[Hub](path, env) }

// checked is a config that reads its secret files, fills defaults and
// validates.
type checked[T any] interface {
	*T
	readSecrets() error
	SetDefaults()
	Validate() error
}

func loadChecked[T any, P checked[T]](path string, env LookupEnv) (T, error) {
	var c T
	fatal, envErr := load(path, env, &c)
	if fatal != nil {
		return c, fatal
	}
	p := P(&c)
	serr := p.readSecrets()
	p.SetDefaults()
	if err := errors.Join(envErr, serr, p.Validate()); err != nil {
		var zero T
		return zero, err
	}
	return c, nil
}

func (a *Agent) readSecrets() error {
	return resolveSecret(&a.MQTT.Password, "mqtt.password_file", a.MQTT.PasswordFile)
}

func (h *Hub) readSecrets() error {
	return errors.Join(
		resolveSecret(&h.MQTT.Password, "mqtt.password_file", h.MQTT.PasswordFile),
		h.DDNS.resolveSecrets(),
	)
}

// load reads the file into out (an error there ends loading), then the
// environment's overrides (their errors are reported with the rest).
func load(path string, env LookupEnv, out any) (fatal, envErr error) {
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("reading config: %w", err), nil
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(out); err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("parsing config %s: %w: %w", path, ErrInvalid, err), nil
		}
	}
	if env == nil {
		env = os.LookupEnv
	}
	return nil, overlayEnv(reflect.ValueOf(out).Elem(), "", env)
}

func resolveSecret(dst *string, field, path string) error {
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return FieldError{Field: field, Value: path, Reason: "cannot read secret file: " + errors.Unwrap(err).Error()}
	}
	*dst = strings.TrimRight(string(b), "\r\n")
	return nil
}

var durationType = reflect.TypeFor[time.Duration]()

// overlayEnv sets every leaf field whose HOMEFLEET_<PATH> variable is set;
// the path is the yaml keys joined by '_' in upper case.
func overlayEnv(v reflect.Value, path string, env LookupEnv) error {
	var errs []error
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		key := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if key == "" || key == "-" {
			continue
		}
		name := key
		if path != "" {
			name = path + "." + key
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct {
			errs = append(errs, overlayEnv(fv, name, env))
			continue
		}
		envName := EnvName(name)
		raw, ok := env(envName)
		if !ok {
			continue
		}
		if err := setFromString(fv, raw); err != nil {
			errs = append(errs, FieldError{Field: envName, Value: raw, Reason: err.Error()})
		}
	}
	return errors.Join(errs...)
}

// EnvName is the environment variable of a config key: collect.interval
// is HOMEFLEET_COLLECT_INTERVAL.
func EnvName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

func setFromString(fv reflect.Value, raw string) error {
	if fv.Kind() == reflect.Slice {
		var parts []string
		for p := range strings.SplitSeq(raw, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		out := reflect.MakeSlice(fv.Type(), len(parts), len(parts))
		for i, p := range parts {
			if err := setScalar(out.Index(i), p); err != nil {
				return fmt.Errorf("item %d %q: %w", i+1, p, err)
			}
		}
		fv.Set(out)
		return nil
	}
	return setScalar(fv, raw)
}

// setScalar sets one value of any kind the config uses from its text.
func setScalar(fv reflect.Value, raw string) error {
	switch {
	case fv.Type() == durationType:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return errors.New("not a duration (e.g. 10s, 5m)")
		}
		fv.SetInt(int64(d))
	case fv.Kind() == reflect.String:
		fv.SetString(raw)
	case fv.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return errors.New("not a boolean (true or false)")
		}
		fv.SetBool(b)
	case fv.CanInt():
		n, err := strconv.ParseInt(raw, 10, fv.Type().Bits())
		if err != nil {
			return errors.New("not an integer")
		}
		fv.SetInt(n)
	case fv.CanUint():
		n, err := strconv.ParseUint(raw, 10, fv.Type().Bits())
		if err != nil {
			return errors.New("not a whole number")
		}
		fv.SetUint(n)
	case fv.CanFloat():
		f, err := strconv.ParseFloat(raw, fv.Type().Bits())
		if err != nil {
			return errors.New("not a number")
		}
		fv.SetFloat(f)
	case fv.Kind() == reflect.Pointer && fv.Type().Elem().Kind() == reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return errors.New("not a boolean (true or false)")
		}
		fv.Set(reflect.ValueOf(&b))
	default:
		return fmt.Errorf("cannot be set from the environment (type %s): use the config file", fv.Type())
	}
	return nil
}

// redactedYAML marshals cfg with every `secret:"true"` field that is set
// (and every secret DDNS setting) replaced by REDACTED.
func redactedYAML(cfg any) string {
	v := reflect.New(reflect.TypeOf(cfg)).Elem()
	v.Set(reflect.ValueOf(cfg))
	eachSecret(v, func(string) string { return "REDACTED" })
	b, err := yaml.Marshal(v.Interface())
	if err != nil {
		return fmt.Sprintf("<config: %v>", err)
	}
	return string(b)
}

// Secrets lists every secret value set in cfg (a Hub or an Agent), for
// internal/secret to keep out of logs, events and the store.
func Secrets(cfg any) []string {
	v := reflect.New(reflect.TypeOf(cfg)).Elem()
	v.Set(reflect.ValueOf(cfg))
	var out []string
	eachSecret(v, func(s string) string { out = append(out, s); return s })
	return out
}

// eachSecret replaces every set secret string s of v (a struct, changed
// in place; slices and maps are copied first) by f(s).
func eachSecret(v reflect.Value, f func(string) string) {
	t := v.Type()
	for i := range t.NumField() {
		fv := v.Field(i)
		switch {
		case fv.Kind() == reflect.Struct:
			eachSecret(fv, f)
		case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.Struct:
			c := reflect.MakeSlice(fv.Type(), fv.Len(), fv.Len()) // a copy: never write through to the caller's slice
			reflect.Copy(c, fv)
			for j := range c.Len() {
				eachSecret(c.Index(j), f)
			}
			fv.Set(c)
		case t.Field(i).Tag.Get("secret") == "true" && fv.Kind() == reflect.String && fv.String() != "":
			fv.SetString(f(fv.String()))
		case fv.Kind() == reflect.Map && fv.Type() == reflect.TypeFor[map[string]any]() && !fv.IsNil():
			m := maps.Clone(fv.Interface().(map[string]any)) //nolint:forcetypeassert // checked above
			for k := range m {
				if s, ok := m[k].(string); ok && SecretSetting(k) && s != "" {
					m[k] = f(s)
				}
			}
			fv.Set(reflect.ValueOf(m))
		}
	}
}
