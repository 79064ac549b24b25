package internet

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/hub/internet/ipwatch"
	"github.com/homefleet/homefleet/internal/wire"
)

// Run checks and writes until ctx ends.
// followerCheck is how often a hub that does not lead looks whether it
// leads now, to check the public address soon after taking over.
const followerCheck = 5 * time.Second

func (in *Service) Run(ctx context.Context) error {
	if !in.Enabled() {
		<-ctx.Done()
		return nil
	}
	poll := time.NewTicker(in.pollEach)
	defer poll.Stop()
	check := time.NewTimer(0)
	defer check.Stop()
	step := time.NewTimer(time.Hour)
	defer step.Stop()
	flush := time.NewTimer(time.Hour)
	defer flush.Stop()
	lastIfaces, lastWall := in.ifaces(), in.env.Now().Round(0)
	led := in.env.Leading()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-in.resend:
			in.publishAll(ctx)
			if leading := in.env.Leading(); leading != led { // took over (or handed over): check at once
				led = leading
				check.Reset(0)
			}
		case <-check.C:
			if !in.env.Leading() { // the leader asks the sources; ask again soon in case this hub takes over
				check.Reset(followerCheck)
				break
			}
			in.check(ctx)
			check.Reset(in.cfg.Interval)
		case <-poll.C:
			ifs, wall := in.ifaces(), in.env.Now().Round(0) // Round(0): the wall clock, which runs on while suspended
			resumed := wall.Sub(lastWall) > 3*in.pollEach
			if ifs != lastIfaces || resumed {
				in.env.Log.Info("network changed, checking the public address", "resumed", resumed)
				check.Reset(0)
			}
			lastIfaces, lastWall = ifs, wall
		case m := <-in.in:
			switch m := m.(type) {
			case agentV6:
				if old := in.deviceV6[m.device]; old != m.addr {
					if old.IsValid() && m.addr.IsValid() && prefix64(old) != prefix64(m.addr) {
						k := [2]netip.Prefix{prefix64(old), prefix64(m.addr)}
						in.prefixes[k] = append(in.prefixes[k], m.device)
						flush.Reset(time.Second)
					}
					in.deviceV6[m.device] = m.addr
					if in.mgr != nil {
						in.mgr.SetDevice(m.device, m.addr)
					}
					check.Reset(time.Second) // coalesce a prefix change across devices into one check
				}
			case forceMsg:
				if !in.env.Leading() {
					break // the leading hub updates
				}
				in.env.Log.Info("Update DDNS now pressed")
				if in.mgr != nil {
					in.mgr.Force(ctx)
				}
				check.Reset(0)
			}
		case <-step.C:
		case <-flush.C:
			in.flushPrefixes(ctx)
		}
		if in.mgr != nil {
			next := in.mgr.Step(ctx)
			in.publishRecords(ctx)
			step.Reset(max(time.Until(next), time.Millisecond))
		}
	}
}

// check asks every source, publishes the outcome and hands agreed
// addresses to the DDNS manager. Disagreement writes nothing.
func (in *Service) check(ctx context.Context) {
	if len(in.sources) == 0 {
		return
	}
	r := ipwatch.Check(ctx, in.sources, in.cfg.Quorum, in.cfg.Timeout)
	now := in.env.Now()
	s := &in.state
	s.Checked = now.UTC().Format(time.RFC3339)
	var disagree, sources, excluded, short []string
	for _, f := range []struct {
		fam              int
		res              ipwatch.FamilyResult
		cur, prev, chgAt *string
	}{{4, r.V4, &s.IPv4, &s.PreviousIPv4, &s.ChangedIPv4}, {6, r.V6, &s.IPv6, &s.PreviousIPv6, &s.ChangedIPv6}} {
		if len(f.res.Answers) == 0 {
			continue
		}
		for _, e := range f.res.Excluded {
			excluded = append(excluded, fmt.Sprintf("IPv%d %s", f.fam, e))
		}
		if f.res.Err != nil {
			if f.res.Contested() {
				disagree = append(disagree, fmt.Sprintf("IPv%d: %s", f.fam, strings.Join(append(slices.Clone(f.res.Groups), f.res.Dissent...), "; ")))
			} else {
				short = append(short, fmt.Sprintf("IPv%d: %d agreeing of %d needed; nothing written", f.fam, len(firstGroup(f.res.Groups)), in.cfg.Quorum))
			}
			continue
		}
		sources = append(sources, fmt.Sprintf("IPv%d: %s", f.fam, strings.Join(f.res.Agree, ", ")))
		if got := f.res.Addr.String(); got != *f.cur {
			old := *f.cur
			*f.prev, *f.cur, *f.chgAt = old, got, s.Checked
			in.env.Log.Info("public address changed", "family", f.fam, "old", old, "new", got, "sources", f.res.Agree)
			in.trigger(ctx, wire.Trigger{Event: discovery.TriggerIPChanged, Old: old, New: got, Family: fmt.Sprintf("ipv%d", f.fam)})
		}
		if in.mgr != nil {
			in.mgr.SetAddr(f.fam, f.res.Addr)
		}
	}
	if len(disagree) > 0 && !s.Disagree {
		in.env.Log.Warn("public address sources disagree: nothing written", "details", strings.Join(disagree, "; "))
	}
	s.Disagree, s.Disagreement, s.Sources = len(disagree) > 0, strings.Join(disagree, " | "), strings.Join(sources, "; ")
	s.Excluded, s.NoQuorum = strings.Join(excluded, "; "), strings.Join(short, "; ")
	s.CGNAT, s.CGNATReason, s.RouterWAN = r.CGNAT != "", r.CGNAT, ""
	if r.RouterWAN.IsValid() {
		s.RouterWAN = r.RouterWAN.String()
	}
	if b, err := json.Marshal(s); err == nil {
		if err := in.env.Store.SaveDoc(ctx, docPublicIP, "state", b); err != nil {
			in.env.Log.Error("saving public address", "err", err)
		}
	}
	in.env.Send(ctx, in.env.Scheme.HubPublicIP(), s, true)
}

// firstGroup is the sources of the leading address ("addr: a, b").
func firstGroup(groups []string) []string {
	if len(groups) == 0 {
		return nil
	}
	_, srcs, _ := strings.Cut(groups[0], ": ")
	return strings.Split(srcs, ", ")
}
