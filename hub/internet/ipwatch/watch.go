package ipwatch

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/homefleet/homefleet/internal/config"
)

// Source answers with the public (or, for a router, WAN) address.
type Source interface {
	Lookup(ctx context.Context, family int) (netip.Addr, error)
}

// Named is one configured source.
type Named struct {
	Name   string
	Family int // 4, 6 or 0 for both
	Router bool
	Source Source
	// Operator groups sources that are not independent (two endpoints of
	// one company): they count as one vote. "" is a group of its own.
	Operator string
}

// SourceFunc adapts a function (an agent's reported address) to Source.
type SourceFunc func(ctx context.Context, family int) (netip.Addr, error)

// Lookup calls f.
func (f SourceFunc) Lookup(ctx context.Context, family int) (netip.Addr, error) {
	return f(ctx, family)
}

// FamilyResult is one family's round.
type FamilyResult struct {
	Decision
	Err     error    // ErrNoQuorum with the details, or nil
	Answers []Answer // every source asked
}

// Result is one check of every source.
type Result struct {
	V4, V6    FamilyResult
	RouterWAN netip.Addr // the first router source's answer
	CGNAT     string     // why the home is behind carrier-grade NAT, or ""
	At        time.Time
}

// Check asks every source of each family in parallel, each bounded by
// timeout, and decides by quorum. A router's private or CGNAT WAN address
// is not a vote but is the CGNAT signal.
func Check(ctx context.Context, sources []Named, quorum int, timeout time.Duration) Result {
	res := Result{At: time.Now()}
	var v4, v6 []Named
	for _, s := range sources {
		if s.Family != 6 {
			v4 = append(v4, s)
		}
		if s.Family != 4 && !s.Router {
			v6 = append(v6, s)
		}
	}
	ans4 := ask(ctx, v4, 4, timeout)
	var votes []Answer
	for i, a := range ans4 {
		if v4[i].Router && a.Err == nil {
			if !res.RouterWAN.IsValid() {
				res.RouterWAN = a.Addr
			}
			if err := CheckPublic(a.Addr); err != nil {
				a.Err = fmt.Errorf("router WAN address is not public: %w", err)
			}
		}
		votes = append(votes, a)
	}
	res.V4 = decide(independent(votes, v4), quorum, len(v4))
	res.V6 = decide(independent(ask(ctx, v6, 6, timeout), v6), quorum, len(v6))
	res.CGNAT = BehindCGNAT(res.RouterWAN, res.V4.Addr)
	return res
}

// independent keeps one vote per operator: a second source of the same
// operator agreeing with the first is not counted again.
func independent(answers []Answer, sources []Named) []Answer {
	first := map[string]netip.Addr{}
	out := make([]Answer, 0, len(answers))
	for i, a := range answers {
		op := sources[i].Operator
		if op != "" && a.Err == nil {
			if prev, seen := first[op]; seen && prev == a.Addr {
				continue
			}
			first[op] = a.Addr
		}
		out = append(out, a)
	}
	return out
}

func decide(answers []Answer, quorum, n int) FamilyResult {
	if n == 0 {
		return FamilyResult{}
	}
	d, err := Consensus(answers, quorum)
	return FamilyResult{Decision: d, Err: err, Answers: answers}
}

func ask(ctx context.Context, sources []Named, family int, timeout time.Duration) []Answer {
	out := make([]Answer, len(sources))
	var wg sync.WaitGroup
	for i, s := range sources {
		wg.Go(func() {
			c, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			a, err := s.Source.Lookup(c, family)
			out[i] = Answer{Source: s.Name, Addr: a, Err: err}
		})
	}
	wg.Wait()
	return out
}

// Operator is the last two labels of a host name (api.ipify.org and
// api6.ipify.org are one operator); an IP literal is its own.
func Operator(host string) string {
	if _, err := netip.ParseAddr(host); err == nil {
		return host
	}
	labels := strings.Split(strings.TrimSuffix(strings.ToLower(host), "."), ".")
	if len(labels) > 2 {
		labels = labels[len(labels)-2:]
	}
	return strings.Join(labels, ".")
}

// FromConfig builds the configured sources. agent answers an agent
// source with that device's stable global IPv6.
func FromConfig(cfg config.PublicIP, userAgent string, agent func(device string) (netip.Addr, error)) []Named {
	var out []Named
	for _, s := range cfg.Sources {
		n := Named{Name: s.Name, Family: s.Family}
		switch s.Kind {
		case config.SourceHTTPS:
			n.Source = HTTPS{URL: s.URL, Trace: s.Format == "trace", UserAgent: userAgent}
			if u, err := url.Parse(s.URL); err == nil {
				n.Operator = Operator(u.Hostname())
			}
		case config.SourceDNS:
			n.Source = DNS{Server: s.Server, Query: s.Query, Type: s.Type, Class: s.Class}
			n.Operator = Operator(s.Query)
		case config.SourceUPnP:
			n.Source, n.Router, n.Family, n.Operator = UPnP{URL: s.URL}, true, 4, "router"
		case config.SourceNATPMP:
			gw, _ := netip.ParseAddr(s.Server) // validated
			n.Source, n.Router, n.Family, n.Operator = NATPMP{Gateway: gw, Timeout: cfg.Timeout}, true, 4, "router"
		case config.SourceAgent:
			dev := s.Device
			n.Family = 6
			n.Source = SourceFunc(func(context.Context, int) (netip.Addr, error) { return agent(dev) })
		}
		out = append(out, n)
	}
	return out
}
