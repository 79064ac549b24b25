// Package providers is the one registry of DDNS provider kinds: each
// kind's name, its typed settings and its constructor. Adding a provider
// is a package under providers/ and one line in registry.
package providers

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/homefleet/homefleet/hub/internet/ddns"
	"github.com/homefleet/homefleet/hub/internet/ddns/providers/alidns"
	"github.com/homefleet/homefleet/hub/internet/ddns/providers/cloudflare"
	"github.com/homefleet/homefleet/hub/internet/ddns/providers/dnspod"
	"github.com/homefleet/homefleet/hub/internet/ddns/providers/duckdns"
	"github.com/homefleet/homefleet/hub/internet/ddns/providers/dyndns2"
	"github.com/homefleet/homefleet/hub/internet/ddns/providers/rfc2136"
	"github.com/homefleet/homefleet/hub/internet/ddns/providers/webhook"
	"github.com/homefleet/homefleet/internal/config"
)

// ErrKind is a provider kind no package provides.
var ErrKind = errors.New("unknown provider kind")

// Kind is one provider kind.
type Kind struct {
	Name     string
	Settings reflect.Type // the kind's settings struct: its yaml keys are the config's
	build    func(settings map[string]any, timeout time.Duration) (ddns.Provider, error)
}

// registry lists every kind.
func registry() []Kind {
	return []Kind{
		kind("cloudflare", cloudflare.New),
		kind("duckdns", duckdns.New),
		kind("dyndns2", dyndns2.New),
		kind("rfc2136", rfc2136.New),
		kind("alidns", alidns.New),
		kind("dnspod", dnspod.New),
		kind("webhook", webhook.New),
	}
}

// Kinds returns every kind, in registry order.
func Kinds() []Kind { return registry() }

// kind registers a provider by its constructor over typed settings S.
func kind[S any, P ddns.Provider](name string, newP func(S, time.Duration) (P, error)) Kind {
	return Kind{Name: name, Settings: reflect.TypeFor[S](), build: func(raw map[string]any, timeout time.Duration) (ddns.Provider, error) {
		var s S
		if err := decode(raw, &s); err != nil {
			return nil, err
		}
		return newP(s, timeout)
	}}
}

// New builds and validates the provider of one config entry.
func New(c config.DDNSProvider) (ddns.Provider, error) {
	kinds := registry()
	i := slices.IndexFunc(kinds, func(k Kind) bool { return k.Name == c.Kind })
	if i < 0 {
		names := make([]string, 0, len(kinds))
		for _, k := range kinds {
			names = append(names, k.Name)
		}
		return nil, fmt.Errorf("ddns.providers %s: %w %q: want one of %s", c.Name, ErrKind, c.Kind, strings.Join(names, ", "))
	}
	p, err := kinds[i].build(c.Settings, c.Timeout)
	if err != nil {
		return nil, fmt.Errorf("ddns.providers %s: %w", c.Name, err)
	}
	return p, nil
}

// decode reads raw settings into the struct s points to. A key the
// struct does not have is refused by name; <secret>_file keys were read
// by the config already.
func decode(raw map[string]any, s any) error {
	t := reflect.TypeOf(s).Elem()
	known := map[string]bool{}
	for f := range t.Fields() {
		key := strings.Split(f.Tag.Get("yaml"), ",")[0]
		known[key] = true
		if f.Tag.Get("secret") == "true" {
			known[key+"_file"] = true
		}
	}
	clean := map[string]any{}
	var unknown []string
	for k, v := range raw {
		switch {
		case !known[k]:
			unknown = append(unknown, k)
		case !strings.HasSuffix(k, "_file"):
			clean[k] = v
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		keys := slices.Sorted(maps.Keys(known))
		return fmt.Errorf("unknown setting %s (this kind takes %s)", strings.Join(unknown, ", "), strings.Join(keys, ", "))
	}
	b, err := yaml.Marshal(clean)
	if err != nil {
		return fmt.Errorf("encoding settings: %w", err)
	}
	if err := yaml.Unmarshal(b, s); err != nil {
		return fmt.Errorf("reading settings: %w", err)
	}
	return nil
}
