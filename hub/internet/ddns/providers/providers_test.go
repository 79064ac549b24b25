package providers

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/homefleet/homefleet/internal/config"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

// TestRegistry: kinds are unique, and a setting is marked secret exactly
// when the config would redact it and read it from <name>_file.
func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range Kinds() {
		if seen[k.Name] {
			t.Errorf("kind %s registered twice", k.Name)
		}
		seen[k.Name] = true
		for f := range k.Settings.Fields() {
			key := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if secret := f.Tag.Get("secret") == "true"; secret != config.SecretSetting(key) {
				t.Errorf("%s: setting %q secret=%v, but the config's rule says %v", k.Name, key, secret, config.SecretSetting(key))
			}
		}
	}
	if len(seen) != 7 {
		t.Errorf("%d kinds", len(seen))
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		c    config.DDNSProvider
		want string // "" builds
	}{
		{config.DDNSProvider{Name: "cf", Kind: "cloudflare", Settings: map[string]any{"token": "t"}}, ""},
		{config.DDNSProvider{Name: "cf", Kind: "cloudflare", Settings: map[string]any{"token": "t", "token_file": "/run/secrets/cf"}}, ""},
		{config.DDNSProvider{Name: "cf", Kind: "cloudflare", Settings: map[string]any{"tokn": "t"}}, "ddns.providers cf: unknown setting tokn (this kind takes token, token_file, url)"},
		{config.DDNSProvider{Name: "cf", Kind: "cloudflare"}, "token (or token_file) is required"},
		{config.DDNSProvider{Name: "x", Kind: "nsupdate"}, `unknown provider kind "nsupdate": want one of cloudflare, duckdns`},
		{config.DDNSProvider{Name: "b", Kind: "rfc2136", Settings: map[string]any{"server": "127.0.0.1:53", "tsig_name": "k", "token": "not base64!"}}, "must be base64"},
		{config.DDNSProvider{Name: "h", Kind: "webhook", Settings: map[string]any{"url": "https://example.org/{ip}", "method": 7}}, `method "7"`},
	}
	for _, tt := range tests {
		tt.c.Timeout = time.Second
		_, err := New(tt.c)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%+v: %v", tt.c, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%+v: error %v, want %q", tt.c, err, tt.want)
		}
	}
	if _, err := New(config.DDNSProvider{Kind: "nope"}); !errors.Is(err, ErrKind) {
		t.Errorf("want ErrKind, got %v", err)
	}
}
