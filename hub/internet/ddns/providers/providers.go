// Package providers is the explicit list of DDNS provider kinds.
package providers

import (
	"fmt"

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

// New builds and validates the provider of one config entry.
func New(c config.DDNSProvider) (ddns.Provider, error) {
	var p ddns.Provider
	var err error
	switch c.Kind {
	case config.ProviderCloudflare:
		p, err = cloudflare.New(c)
	case config.ProviderDuckDNS:
		p, err = duckdns.New(c)
	case config.ProviderDynDNS2:
		p, err = dyndns2.New(c)
	case config.ProviderRFC2136:
		p, err = rfc2136.New(c)
	case config.ProviderAlidns:
		p, err = alidns.New(c)
	case config.ProviderDNSPod:
		p, err = dnspod.New(c)
	case config.ProviderWebhook:
		p, err = webhook.New(c)
	default:
		return nil, fmt.Errorf("ddns.providers %s: unknown kind %q", c.Name, c.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("ddns.providers %s: %w", c.Name, err)
	}
	return p, nil
}
