// Package probe checks that home services answer: SMB (a real NEGOTIATE,
// not just an open port), TCP, HTTP(S) and DNS resolution. Each result
// carries the latency and, when down, the reason in words.
package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/dnsmsg"
	"github.com/homefleet/homefleet/internal/wire"
)

// ErrUnexpected is an answer that is not what the probe expects.
var ErrUnexpected = errors.New("unexpected answer")

// Once runs one probe and times it.
func Once(ctx context.Context, p config.Probe, now func() time.Time) wire.Probe {
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	start := time.Now()
	detail, err := run(ctx, p)
	r := wire.Probe{V: 1, Up: err == nil, LatencyMS: float64(time.Since(start).Microseconds()) / 1000, Detail: detail,
		Checked: now().UTC().Format(time.RFC3339)}
	if err != nil {
		r.Error = err.Error()
	}
	return r
}

func run(ctx context.Context, p config.Probe) (string, error) {
	switch p.Kind {
	case config.ProbeSMB:
		return SMB(ctx, p.Target)
	case config.ProbeTCP:
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", p.Target)
		if err != nil {
			return "", fmt.Errorf("connecting to %s: %w", p.Target, err)
		}
		_ = c.Close()
		return "", nil
	case config.ProbeHTTP:
		return HTTP(ctx, p.Target)
	case config.ProbeDNS:
		return Resolve(ctx, p.Target, p.Server, p.Expect)
	}
	return "", fmt.Errorf("unknown probe kind %q", p.Kind)
}

// HTTP is up when the server answers with a status below 500.
func HTTP(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", fmt.Errorf("building request: %w", err)
	}
	req.Header.Set("User-Agent", "homefleet-probe")
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12}, DisableKeepAlives: true}} // a transport per probe: no idle connection outlives it
	resp, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("requesting %s: %w", url, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode >= 500 {
		return "", fmt.Errorf("%w: %s answered %s", ErrUnexpected, url, resp.Status)
	}
	return resp.Status, nil
}

// Resolve looks name up (on server when given) and, with expect, checks
// the address is among the answers: a DDNS name that resolves to an old
// address is down.
func Resolve(ctx context.Context, name, server, expect string) (string, error) {
	var addrs []netip.Addr
	if server == "" {
		ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", name)
		if err != nil {
			return "", fmt.Errorf("resolving %s: %w", name, err)
		}
		addrs = ips
	} else {
		for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
			m := new(dns.Msg)
			m.SetQuestion(dns.Fqdn(name), qt)
			r, _, err := new(dns.Client).ExchangeContext(ctx, m, server)
			if err != nil {
				return "", fmt.Errorf("resolving %s on %s: %w", name, server, err)
			}
			addrs = append(addrs, dnsmsg.Addrs(r)...)
		}
	}
	if len(addrs) == 0 {
		return "", fmt.Errorf("%w: %s has no address", ErrUnexpected, name)
	}
	got := make([]string, 0, len(addrs))
	for _, a := range addrs {
		got = append(got, a.Unmap().String())
	}
	slices.Sort(got)
	detail := strings.Join(got, ", ")
	if expect != "" && !slices.Contains(got, expect) {
		return detail, fmt.Errorf("%w: %s resolves to %s, not %s", ErrUnexpected, name, detail, expect)
	}
	return detail, nil
}

// Run probes each configured service on its interval until ctx ends,
// handing every result to report. It owns one goroutine per probe and
// returns when they all stopped.
func Run(ctx context.Context, probes []config.Probe, report func(name string, r wire.Probe)) {
	var wg sync.WaitGroup
	for _, p := range probes {
		wg.Go(func() {
			t := time.NewTicker(p.Interval)
			defer t.Stop()
			for {
				report(p.Name, Once(ctx, p, time.Now))
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		})
	}
	wg.Wait()
}
