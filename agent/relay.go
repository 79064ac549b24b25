package agent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/homefleet/homefleet/internal/wire"
	"github.com/homefleet/homefleet/internal/wol"
)

// ErrRelay refuses a wake-relay request.
var ErrRelay = errors.New("wake-relay refused")

// netIdentity is this machine's network identity as last published, and
// what the agent needs to relay a wake onto its own subnets.
type netIdentity struct {
	read  netReader
	relay wol.Sender // sends relayed magic packets
	doc   []byte     // last published document, without its timestamp
	due   bool       // re-read at the next publish
}

// relayWake sends magic packets for the hub to a machine on one of this
// agent's own subnets (the hub has no interface there). Only a broadcast
// address of this machine's subnets is accepted, so the verb cannot aim
// packets anywhere else.
func (a *Agent) relayWake(ctx context.Context, cmd wire.Command) error {
	mac, err := wol.ParseMAC(cmd.MAC)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrRelay, err)
	}
	if a.net == nil || a.net.relay == nil {
		return fmt.Errorf("%w: this agent does not relay", ErrRelay)
	}
	ifs, err := a.net.read()
	if err != nil {
		return fmt.Errorf("%w: reading interfaces: %w", ErrRelay, err)
	}
	own := false
	for _, i := range ifs {
		own = own || slices.Contains(i.Broadcast, cmd.Broadcast)
	}
	if !own || net.ParseIP(cmd.Broadcast) == nil {
		return fmt.Errorf("%w: %q is not a broadcast address of this machine's subnets", ErrRelay, cmd.Broadcast)
	}
	_, err = wol.Send(ctx, a.net.relay, wol.Target{Name: cmd.MAC, MAC: mac, Addresses: []string{net.JoinHostPort(cmd.Broadcast, strconv.Itoa(wol.DefaultPort))}},
		wol.Options{Repeats: 3, Spacing: 100 * time.Millisecond})
	return err
}
