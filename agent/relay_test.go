package agent

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/homefleet/homefleet/agent/collect/host/hosttest"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/netid"
	"github.com/homefleet/homefleet/internal/wire"
)

type sentTo struct{ addrs []string }

func (s *sentTo) Send(addr string, _ net.HardwareAddr, _ []byte) error {
	s.addrs = append(s.addrs, addr)
	return nil
}

func TestRelayWake(t *testing.T) {
	snd := &sentTo{}
	now := time.Now()
	a, _ := newTestAgent(hosttest.NewFake(), &now, func(_ *config.Agent, d *Deps) {
		d.Collectors.Net = func() ([]netid.Interface, error) {
			return []netid.Interface{{Name: "eth0", MAC: "02:00:00:00:00:01", Broadcast: []string{"192.168.5.255"}}}, nil
		}
		d.Relay = snd
	})
	ctx := context.Background()
	if err := a.relayWake(ctx, wire.Command{MAC: "02:11:22:33:44:55", Broadcast: "192.168.5.255"}); err != nil {
		t.Fatal(err)
	}
	if len(snd.addrs) != 3 || snd.addrs[0] != "192.168.5.255:9" {
		t.Errorf("sent to %v", snd.addrs)
	}
	for _, bad := range []wire.Command{
		{MAC: "02:11:22:33:44:55", Broadcast: "8.8.8.255"}, // not this machine's subnet
		{MAC: "nope", Broadcast: "192.168.5.255"},
	} {
		if err := a.relayWake(ctx, bad); !errors.Is(err, ErrRelay) {
			t.Errorf("%+v: want ErrRelay, got %v", bad, err)
		}
	}
}
