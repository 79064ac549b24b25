package leader

import (
	"context"
	"errors"
	"fmt"

	"github.com/homefleet/homefleet/hub/feature"
	"github.com/homefleet/homefleet/internal/mqttc"
)

// ErrFollower is a publish refused because this hub does not lead.
var ErrFollower = errors.New("this hub does not lead")

// Gate is the features' session on a member: it subscribes as s does, so
// a follower's features keep their state warm, but publishes only while
// this hub leads. A follower is silent on the bus: no state, no
// discovery, no trigger, no command; taking over, the hub republishes
// everything (OnElected).
func (m *Member) Gate(s feature.Session) feature.Session { return gate{s, m} }

type gate struct {
	s feature.Session
	m *Member
}

func (g gate) Publish(ctx context.Context, topic string, payload []byte, retain bool) error {
	if !g.m.Leading() {
		return fmt.Errorf("%w: %s not published", ErrFollower, topic)
	}
	return g.s.Publish(ctx, topic, payload, retain) //nolint:wrapcheck // the session's own error
}

func (g gate) Subscribe(filter string, h mqttc.Handler) { g.s.Subscribe(filter, h) }
