package leader

import (
	"context"
	"fmt"
	"time"

	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/internal/service"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// OnElected sets what runs when this hub becomes the leader (the hub
// asks every feature to republish: a follower kept its state but did not
// publish predictions).
func (m *Member) OnElected(f func()) { m.onElected = f }

// Announce implements service.Announcer: the Leader sensor's discovery,
// and while leading the election document and the hub's availability.
func (m *Member) Announce() { service.Nudge(m.resend) }

// publisher republishes on Announce until ctx ends.
func (m *Member) publisher(ctx context.Context) {
	sc := m.env.Scheme
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.resend:
			m.env.Send(ctx, sc.NodeDiscovery(topic.HubID, topic.LeaderNode()), discovery.LeaderPayload(topic.HubID, m.env.Version, sc), true)
			if t := m.current(); t != nil {
				m.publishTerm(ctx, t)
			}
		}
	}
}

// handleLeader corrects a document that no longer names this leader (a
// member that stepped down said "no leader" after this one won).
func (m *Member) handleLeader(_ string, payload []byte, _ bool) error {
	if t := m.current(); t != nil && !containsName(payload, m.cfg.Name) {
		m.Announce()
	}
	return nil
}

func containsName(payload []byte, name string) bool {
	d, err := wire.DecodeLeader(payload)
	return err == nil && d.Leader == name
}

func (m *Member) publishTerm(ctx context.Context, t *term) {
	sc := m.env.Scheme
	m.env.Send(ctx, sc.HubLeader(), wire.Leader{V: 1, TS: m.env.Now().Unix(), Leader: m.cfg.Name, Lease: leaseHex(t.lease), Rev: t.rev,
		Since: t.since.UTC().Format(time.RFC3339)}, true)
	if err := m.env.Session.Publish(ctx, sc.Status(topic.HubID), []byte(topic.Online), true); err != nil {
		m.env.Log.Debug("hub availability not published; will resend on reconnect", "err", err)
	}
}

// elected starts a term: the duties run here from now on.
func (m *Member) elected(ctx context.Context, t *term) {
	m.mu.Lock()
	m.term, m.leader = t, m.cfg.Name
	m.mu.Unlock()
	m.env.Log.Info("leading: this hub runs the schedules, wake, DDNS and predictions", "member", m.cfg.Name, "lease", leaseHex(t.lease), "revision", t.rev)
	m.publishTerm(ctx, t)
	m.env.Send(ctx, m.env.Scheme.Event(topic.HubID), wire.Event{V: 1, TS: m.env.Now().Unix(), Type: "leader", OK: true,
		Reason: fmt.Sprintf("%s is the leader (lease %s, revision %d)", m.cfg.Name, leaseHex(t.lease), t.rev)}, false)
	if m.onElected != nil {
		m.onElected()
	}
}

// steppedDown ends a term. On a clean stop the lease is revoked and the
// next leader speaks; when the lease was lost nobody may lead until etcd
// answers again, and this hub says so.
func (m *Member) steppedDown(ctx context.Context, t *term) {
	m.mu.Lock()
	m.term, m.leader = nil, ""
	m.mu.Unlock()
	if ctx.Err() != nil {
		m.env.Log.Info("stopping: leadership handed over", "member", m.cfg.Name)
		return
	}
	reason := fmt.Sprintf("no leader: %s stepped down when its etcd lease %s expired (etcd unreachable for %s); schedules, wake, DDNS and predictions wait for a leader",
		m.cfg.Name, leaseHex(t.lease), m.cfg.TTL)
	m.env.Log.Warn(reason)
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	m.env.Send(pctx, m.env.Scheme.HubLeader(), wire.Leader{V: 1, TS: m.env.Now().Unix(), Reason: reason}, true)
	m.env.Send(pctx, m.env.Scheme.Event(topic.HubID), wire.Event{V: 1, TS: m.env.Now().Unix(), Type: "leader", OK: false, Reason: reason}, false)
}
