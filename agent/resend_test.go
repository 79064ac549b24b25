package agent

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/homefleet/homefleet/agent/collect/host/hosttest"
	"github.com/homefleet/homefleet/internal/topic"
)

// dropping fails the publishes to one topic while drop is set, as a
// broker restarting under the agent does.
type dropping struct {
	next  publisher
	topic string
	drop  bool
}

func (d *dropping) Publish(ctx context.Context, t string, payload []byte, retain bool) error {
	if d.drop && t == d.topic {
		return errors.New("not connected")
	}
	return d.next.Publish(ctx, t, payload, retain)
}

// A discovery that did not reach the broker after a reconnect (the
// session dropped again, the publish timed out) is sent again by the next
// cycle, even though an earlier one had been sent: a broker that restarted
// empty has lost that one.
func TestLostDiscoveryIsSentAgain(t *testing.T) {
	ctx := context.Background()
	now := hosttest.Start
	a, rec := newTestAgent(hosttest.NewFake(), &now)
	disc := topic.Default().Discovery(testID)
	d := &dropping{next: a.pub, topic: disc}
	a.pub = d
	a.cycle(ctx, false)
	a.publishAll(ctx) // connected: all sent
	rec.take()
	d.drop = true
	a.publishAll(ctx) // the reconnect's announce: the config does not get through
	d.drop = false
	now = now.Add(10 * time.Second)
	a.cycle(ctx, false)
	for _, m := range rec.take() {
		if m.Topic == disc {
			return
		}
	}
	t.Fatal("the next cycle did not send the discovery that was lost")
}
