package ddns

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/homefleet/homefleet/hub/feature"
)

// State is what the store keeps of a record: what was written and when,
// so "changed?" is never inferred from a DNS lookup.
type State struct {
	Pushed        netip.Addr `json:"pushed"`
	PushedAt      time.Time  `json:"pushed_at"`
	Disabled      string     `json:"disabled,omitempty"`    // why, until the config changes
	ConfigHash    string     `json:"config_hash,omitempty"` // the config Disabled applies to
	NextTry       time.Time  `json:"next_try"`              // provider backoff
	LastError     string     `json:"last_error,omitempty"`
	Note          string     `json:"note,omitempty"` // why the last Update DDNS now sent nothing
	InSync        bool       `json:"in_sync"`
	VerifiedAt    time.Time  `json:"verified_at"`
	PropagationMS int64      `json:"propagation_ms,omitempty"` // write to seen on every authoritative server
	WriteMS       int64      `json:"write_ms,omitempty"`       // address change to provider write done
	// Pending is the address being written: journaled before the
	// provider is called, cleared with its outcome. Found set on start,
	// the hub stopped mid-write and the write may have been applied: it
	// is taken as pushed (and verified, with verify on), never sent twice.
	Pending netip.Addr `json:"pending,omitzero"`
}

// Store keeps record states across restarts.
type Store interface {
	SaveDDNS(ctx context.Context, key string, st State) error
}

// Event kinds reported to the owner.
const (
	EventUpdated    = "updated"
	EventFailed     = "failed"
	EventMismatch   = "mismatch"
	EventVerified   = "verified"
	EventDisabled   = "disabled"
	EventRefused    = "refused" // Update DDNS now on a disabled record: nothing sent
	verifyPollFirst = 200 * time.Millisecond
	verifyPollMax   = 10 * time.Second
	backoffBase     = 30 * time.Second
)

// Event is one outcome, for logs, HA triggers and state.
type Event struct {
	Kind   string
	Record Record
	Old    netip.Addr
	New    netip.Addr
	Err    error
}

// Options are the manager's knobs; zero values take defaults.
type Options struct {
	VerifyInterval time.Duration
	VerifyTimeout  time.Duration
	MaxBackoff     time.Duration
	CallTimeout    time.Duration
	Now            func() time.Time
	Jitter         func(max time.Duration) time.Duration // full jitter: uniform in [0, max)
	OnEvent        func(context.Context, Event)
	Log            *slog.Logger
	// FindZone learns the zone of a record configured without one (nil:
	// such records wait).
	FindZone func(ctx context.Context, name string, ns []string) (string, error)
	// Claim grants each write among hubs that fail over (nil: this hub
	// is alone and writes): see feature.Duty.
	Claim func(ctx context.Context, key, occasion string) feature.Outcome
}

type entry struct {
	rec         Record
	prov        Provider
	hash        string
	st          State
	changedAt   time.Time // when the desired address last changed
	force       bool
	checkNow    bool      // Update now pressed: verify at once, push on any mismatch
	verifyUntil time.Time // polling after a write
	nextVerify  time.Time
	poll        time.Duration
	mismatches  int
	zoneRetry   time.Time // a failed zone lookup is not repeated before
}

type providerState struct {
	failures int
	nextTry  time.Time
}

// Manager is owned by one goroutine: call its methods from that
// goroutine only.
type Manager struct {
	opt       Options
	ver       Verifier
	store     Store
	entries   []*entry
	providers map[string]*providerState
	addr      map[int]netip.Addr
	device    map[string]netip.Addr
}

// Binding ties a record to its provider, its config hash and stored state.
type Binding struct {
	Record   Record
	Provider Provider
	Hash     string // the record's and provider's configuration; a change re-enables a disabled record
	State    State
}

// New builds a manager over the bound records.
func New(bindings []Binding, ver Verifier, st Store, opt Options) *Manager {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	opt.VerifyInterval = cmp.Or(opt.VerifyInterval, 10*time.Minute)
	opt.VerifyTimeout = cmp.Or(opt.VerifyTimeout, 5*time.Minute)
	opt.MaxBackoff = cmp.Or(opt.MaxBackoff, time.Hour)
	opt.CallTimeout = cmp.Or(opt.CallTimeout, 30*time.Second)
	if opt.Jitter == nil {
		opt.Jitter = func(max time.Duration) time.Duration { return time.Duration(rand.Int64N(int64(max) + 1)) }
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.OnEvent == nil {
		opt.OnEvent = func(context.Context, Event) {}
	}
	m := &Manager{opt: opt, ver: ver, store: st, providers: map[string]*providerState{}, addr: map[int]netip.Addr{}, device: map[string]netip.Addr{}}
	for _, b := range bindings {
		e := &entry{rec: b.Record, prov: b.Provider, hash: b.Hash, st: b.State}
		if e.st.Disabled != "" && e.st.ConfigHash != b.Hash {
			e.st.Disabled, e.st.LastError = "", "" // the user changed the config: try again
		}
		if e.st.Pending.IsValid() {
			m.interrupted(e)
		}
		p := m.providers[b.Record.Provider]
		if p == nil {
			p = &providerState{}
			m.providers[b.Record.Provider] = p
		}
		if e.st.NextTry.After(p.nextTry) {
			p.nextTry = e.st.NextTry
		}
		m.entries = append(m.entries, e)
	}
	return m
}

// SetAddr sets the public address of a family (an invalid one: unknown,
// nothing is written).
func (m *Manager) SetAddr(family int, a netip.Addr) {
	m.addr[family] = a
	m.markChanged()
}

// SetDevice sets an agent's stable global IPv6.
func (m *Manager) SetDevice(device string, a netip.Addr) {
	m.device[device] = a
	m.markChanged()
}

func (m *Manager) markChanged() {
	now := m.opt.Now()
	for _, e := range m.entries {
		if want := m.desired(e); want.IsValid() && want != e.st.Pushed && e.changedAt.IsZero() {
			e.changedAt = now
		}
	}
}

// Force is "Update DDNS now": a verified record is checked on its
// authoritative servers at once and re-written only if they differ (so a
// dyndns2 server never sees a pointless nochg); an unverified one is
// written. Either ignores the minimum interval and our own backoff; a
// provider's retry-after still holds.
func (m *Manager) Force(ctx context.Context) {
	for _, e := range m.entries {
		if e.st.Disabled != "" {
			e.st.Note = "Update DDNS now: nothing sent, the record is disabled (" + e.st.Disabled + "); fix its configuration to enable it"
			m.opt.OnEvent(ctx, Event{Kind: EventRefused, Record: e.rec, Err: errors.New(e.st.Note)})
			continue
		}
		if e.rec.Verify && e.st.Pushed.IsValid() {
			e.checkNow, e.nextVerify = true, time.Time{}
			continue
		}
		e.force = true
	}
}

// States lists every record with its state.
func (m *Manager) States() []Binding {
	out := make([]Binding, 0, len(m.entries))
	for _, e := range m.entries {
		out = append(out, Binding{Record: e.rec, Provider: e.prov, Hash: e.hash, State: e.st})
	}
	return out
}

func (m *Manager) desired(e *entry) netip.Addr {
	if e.rec.Device != "" {
		return m.device[e.rec.Device]
	}
	return m.addr[e.rec.Family()]
}

// Step does every write and verification that is due and returns when
// it wants to run again.
func (m *Manager) Step(ctx context.Context) time.Time {
	now := m.opt.Now()
	next := now.Add(m.opt.VerifyInterval)
	for _, e := range m.entries {
		if e.rec.Zone == "" && !m.findZone(ctx, e, now) {
			if retry := now.Add(zoneRetry); retry.Before(next) {
				next = retry
			}
			continue
		}
		if at := m.verify(ctx, e); !at.IsZero() && at.Before(next) {
			next = at
		}
		if at := m.push(ctx, e, now); at.Before(next) {
			next = at
		}
	}
	return next
}

// zoneRetry is how soon a failed zone lookup is tried again.
const zoneRetry = 5 * time.Minute

// findZone learns the zone of a record configured without one, from the
// SOA its name falls under ("nas.home.example.co.uk" in "example.co.uk"):
// cutting labels would guess wrong under public suffixes.
func (m *Manager) findZone(ctx context.Context, e *entry, now time.Time) bool {
	if m.opt.FindZone == nil || now.Before(e.zoneRetry) {
		return false
	}
	cctx, cancel := context.WithTimeout(ctx, m.opt.CallTimeout)
	zone, err := m.opt.FindZone(cctx, e.rec.Name, e.rec.NS)
	cancel()
	if err != nil {
		e.zoneRetry = now.Add(zoneRetry)
		e.st.LastError = fmt.Sprintf("record %s: no zone found by SOA lookup (%v); set its zone: in ddns.records", e.rec.Name, err)
		m.opt.Log.Warn("ddns zone not found", "record", e.rec.Key(), "err", err)
		return false
	}
	e.rec.Zone, e.st.LastError = zone, ""
	m.opt.Log.Info("ddns zone found", "record", e.rec.Key(), "zone", zone)
	return true
}

// push writes the record when its address changed (or forced) and the
// provider and record limits allow; it returns when it can next write.
func (m *Manager) push(ctx context.Context, e *entry, now time.Time) time.Time {
	want := m.desired(e)
	if !want.IsValid() || e.st.Disabled != "" || (want == e.st.Pushed && !e.force) {
		e.force = false
		return now.Add(m.opt.VerifyInterval)
	}
	p := m.providers[e.rec.Provider]
	if now.Before(p.nextTry) {
		return p.nextTry
	}
	if !e.force && e.st.Pushed.IsValid() && now.Before(e.st.PushedAt.Add(e.rec.MinInterval)) {
		return e.st.PushedAt.Add(e.rec.MinInterval)
	}
	if at, granted := m.claim(ctx, e, want, now); !granted {
		return at
	}
	e.force = false
	e.st.Pending = want
	m.save(ctx, e) // the intent, before the provider hears of it
	cctx, cancel := context.WithTimeout(ctx, m.opt.CallTimeout)
	err := e.prov.Update(cctx, e.rec, want)
	cancel()
	e.st.Pending = netip.Addr{}
	done := m.opt.Now()
	old := e.st.Pushed
	switch {
	case err == nil:
		p.failures, p.nextTry = 0, time.Time{}
		e.st.Pushed, e.st.PushedAt, e.st.LastError, e.st.NextTry = want, done, "", time.Time{}
		if !e.changedAt.IsZero() {
			e.st.WriteMS = done.Sub(e.changedAt).Milliseconds()
		}
		e.changedAt = time.Time{}
		e.st.InSync = !e.rec.Verify // the provider's word is all there is
		if e.rec.Verify {
			e.verifyUntil, e.nextVerify, e.poll, e.mismatches = done.Add(m.opt.VerifyTimeout), done, verifyPollFirst, 0
		}
		m.opt.Log.Info("ddns record written", "record", e.rec.Key(), "old", old, "new", want, "write_ms", e.st.WriteMS)
		m.opt.OnEvent(ctx, Event{Kind: EventUpdated, Record: e.rec, Old: old, New: want})
	case errors.Is(err, ErrDisabled):
		e.st.Disabled, e.st.ConfigHash, e.st.LastError, e.st.InSync = err.Error(), e.hash, err.Error(), false
		m.opt.Log.Error("ddns record disabled", "record", e.rec.Key(), "err", err)
		m.opt.OnEvent(ctx, Event{Kind: EventDisabled, Record: e.rec, Old: old, New: want, Err: err})
	default:
		p.failures++
		wait := m.opt.Jitter(min(m.opt.MaxBackoff, backoffBase<<min(p.failures-1, 20)))
		if ra := (*RetryAfterError)(nil); errors.As(err, &ra) && ra.After > wait {
			wait = ra.After
		}
		p.nextTry = done.Add(wait)
		e.st.NextTry, e.st.LastError, e.st.InSync = p.nextTry, err.Error(), false
		m.opt.Log.Warn("ddns write failed", "record", e.rec.Key(), "retry_in", wait.Round(time.Second), "err", err)
		m.opt.OnEvent(ctx, Event{Kind: EventFailed, Record: e.rec, Old: old, New: want, Err: err})
	}
	m.save(ctx, e)
	if err == nil {
		return done
	}
	return p.nextTry
}

// verify polls after a write until the authoritative servers serve it,
// then checks periodically. Periodic mismatches escalate: the first is
// logged, the second is an event, the third re-pushes.
func (m *Manager) verify(ctx context.Context, e *entry) time.Time {
	if !e.rec.Verify || !e.st.Pushed.IsValid() || e.st.Disabled != "" {
		return time.Time{}
	}
	now := m.opt.Now()
	if now.Before(e.nextVerify) {
		return e.nextVerify
	}
	cctx, cancel := context.WithTimeout(ctx, m.opt.CallTimeout)
	err := m.ver.Verify(cctx, e.rec, e.st.Pushed)
	cancel()
	now = m.opt.Now()
	polling := now.Before(e.verifyUntil)
	if e.checkNow {
		e.checkNow = false
		if err != nil && !polling {
			m.opt.Log.Info("ddns record re-pushed on request", "record", e.rec.Key(), "err", err)
			e.st.InSync, e.st.LastError, e.force = false, err.Error(), true
			m.save(ctx, e)
			return now
		}
	}
	switch {
	case err == nil:
		if !e.verifyUntil.IsZero() {
			e.st.PropagationMS = now.Sub(e.st.PushedAt).Milliseconds()
			m.opt.Log.Info("ddns record verified", "record", e.rec.Key(), "addr", e.st.Pushed, "propagation_ms", e.st.PropagationMS)
		}
		wasSync := e.st.InSync
		e.st.InSync, e.st.VerifiedAt, e.mismatches, e.verifyUntil = true, now, 0, time.Time{}
		e.nextVerify = now.Add(m.opt.VerifyInterval)
		m.save(ctx, e)
		if !wasSync {
			m.opt.OnEvent(ctx, Event{Kind: EventVerified, Record: e.rec, New: e.st.Pushed})
		}
	case polling:
		e.nextVerify = now.Add(e.poll)
		e.poll = min(e.poll*2, verifyPollMax)
	default:
		e.verifyUntil = time.Time{}
		e.mismatches++
		e.st.InSync, e.st.LastError = false, err.Error()
		e.nextVerify = now.Add(min(m.opt.VerifyInterval, time.Minute))
		switch e.mismatches {
		case 1:
			m.opt.Log.Warn("ddns record not served by its authoritative servers", "record", e.rec.Key(), "err", err)
		case 2:
			m.opt.Log.Warn("ddns record still not served", "record", e.rec.Key(), "err", err)
			m.opt.OnEvent(ctx, Event{Kind: EventMismatch, Record: e.rec, New: e.st.Pushed, Err: err})
		default:
			m.opt.Log.Warn("ddns record re-pushed after three mismatches", "record", e.rec.Key(), "err", err)
			e.force, e.mismatches = true, 0
			e.nextVerify = now
		}
		m.save(ctx, e)
	}
	return e.nextVerify
}

func (m *Manager) save(ctx context.Context, e *entry) {
	if m.store == nil {
		return
	}
	if err := m.store.SaveDDNS(ctx, e.rec.Key(), e.st); err != nil {
		m.opt.Log.Error("saving ddns state", "record", e.rec.Key(), "err", err)
	}
}
