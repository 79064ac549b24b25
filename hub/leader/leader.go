// Package leader elects one hub among two or three that share a broker,
// on etcd (clientv3's concurrency election), so only the leader runs the
// singleton duties. It is the hub's feature.Duty: Claim journals each
// action in etcd under the leader's lease, fenced by its election key's
// revision, and grants it once per occasion across the hubs.
//
// A member campaigns with a lease of cfg.TTL. A killed leader's key goes
// with its lease, about TTL later, and the next member's campaign wins.
// A leader cut off from etcd sees its session end when the lease would
// have expired and steps down; its claims fail from then on anyway,
// since the fence (its key's create revision) no longer holds.
package leader

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
	"go.uber.org/zap"

	"github.com/homefleet/homefleet/hub/feature"
	"github.com/homefleet/homefleet/internal/config"
)

// ErrEtcd wraps every failure to reach or use etcd.
var ErrEtcd = errors.New("etcd")

// Member is this hub in the election.
type Member struct {
	env    feature.Env
	cfg    config.Leader
	cli    *clientv3.Client
	resend chan struct{}
	// onElected runs at the start of each term (set before Run).
	onElected func()

	mu     sync.Mutex
	term   *term  // while this hub leads
	leader string // the leader last seen ("" none known)
}

// term is one stretch of leadership.
type term struct {
	key   string // the election key, deleted with the lease
	rev   int64  // its create revision: the fence
	lease clientv3.LeaseID
	since time.Time
}

// New connects lazily to cfg.Etcd (nothing is dialled until Run).
func New(env feature.Env, cfg config.Leader) (*Member, error) {
	cli, err := Client(cfg)
	if err != nil {
		return nil, err
	}
	m := &Member{env: env.Named("leader"), cfg: cfg, cli: cli, resend: make(chan struct{}, 1)}
	env.Session.Subscribe(env.Scheme.HubLeader(), m.handleLeader)
	return m, nil
}

// Client is an etcd client for cfg (the hub and `homefleet hub status`).
func Client(cfg config.Leader) (*clientv3.Client, error) {
	cli, err := clientv3.New(clientv3.Config{Endpoints: cfg.Etcd, DialTimeout: cfg.TTL, Username: cfg.Username, Password: cfg.Password,
		DialKeepAliveTime: cfg.TTL, DialKeepAliveTimeout: cfg.TTL, Logger: zap.NewNop()})
	if err != nil {
		return nil, fmt.Errorf("%w: connecting to %v: %w", ErrEtcd, cfg.Etcd, err)
	}
	return cli, nil
}

// Name implements service.Service.
func (m *Member) Name() string { return "leader" }

// Run campaigns until ctx ends: each session (one lease) campaigns,
// leads until the lease is lost, and a new one starts after a pause.
func (m *Member) Run(ctx context.Context) error {
	defer m.cli.Close()
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	go m.publisher(pctx)
	var lastErr string
	for ctx.Err() == nil {
		err := m.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if msg := err.Error(); msg != lastErr { // once per kind of failure, not every retry
			m.env.Log.Warn("leader election interrupted; retrying", "member", m.cfg.Name, "err", err)
			lastErr = msg
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	return nil
}

// session holds one lease: it campaigns with it and leads until it ends.
func (m *Member) session(ctx context.Context) error {
	ttl := int64(m.cfg.TTL / time.Second)
	gctx, cancel := context.WithTimeout(ctx, m.cfg.TTL)
	grant, err := m.cli.Grant(gctx, ttl)
	cancel()
	if err != nil {
		return fmt.Errorf("%w: granting a %ds lease: %w", ErrEtcd, ttl, err)
	}
	s, err := concurrency.NewSession(m.cli, concurrency.WithLease(grant.ID), concurrency.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("%w: keeping the lease alive: %w", ErrEtcd, err)
	}
	defer m.close(s)
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { // the session's end stops its campaign and its observer
		select {
		case <-s.Done():
		case <-sctx.Done():
		}
		stop()
	}()
	e := concurrency.NewElection(s, m.cfg.Prefix+"leader")
	go m.observe(sctx, e)
	if err := e.Campaign(sctx, m.cfg.Name); err != nil {
		return fmt.Errorf("%w: campaigning: %w", ErrEtcd, err)
	}
	t := &term{key: e.Key(), rev: e.Rev(), lease: s.Lease(), since: m.env.Now()}
	m.elected(ctx, t)
	<-sctx.Done()
	m.steppedDown(ctx, t)
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("%w: the lease %x ended (etcd unreachable for %s)", ErrEtcd, int64(t.lease), m.cfg.TTL)
}

// close ends a session by revoking its lease, so on a clean stop a
// follower takes over at once rather than a TTL later (the session's own
// context may be cancelled already).
func (m *Member) close(s *concurrency.Session) {
	s.Orphan()
	ctx, cancel := context.WithTimeout(context.Background(), claimTimeout)
	defer cancel()
	_, _ = m.cli.Revoke(ctx, s.Lease()) // expired, or etcd gone: nothing left to revoke
}

// observe follows who leads, for the followers' view and the status.
func (m *Member) observe(ctx context.Context, e *concurrency.Election) {
	for r := range e.Observe(ctx) {
		if len(r.Kvs) == 0 {
			continue
		}
		m.mu.Lock()
		m.leader = string(r.Kvs[0].Value)
		m.mu.Unlock()
	}
}

// Leading implements feature.Duty.
func (m *Member) Leading() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.term != nil
}

func (m *Member) current() *term {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.term
}

func leaseHex(id clientv3.LeaseID) string { return strconv.FormatInt(int64(id), 16) }
