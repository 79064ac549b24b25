// Package wol builds and sends Wake-on-LAN magic packets (mdlayher/wol,
// over UDP or as raw Ethernet frames) and confirms that the target woke
// up. The hub uses it to wake machines, an agent to relay a wake onto its
// own subnet, the CLI to wake by MAC.
package wol

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	mwol "github.com/mdlayher/wol"
)

// Sentinel errors.
var (
	ErrBadMAC      = errors.New("bad MAC address")
	ErrBadPassword = errors.New("bad SecureOn password")
	ErrNoAddress   = errors.New("no address to send the magic packet to")
	ErrNotAwake    = errors.New("target did not wake up in time")
)

// DefaultPort is the conventional WoL UDP port (discard).
const DefaultPort = 9

// ParseMAC parses a 48-bit MAC address (aa:bb:cc:dd:ee:ff, aa-bb-..., aabb.ccdd.eeff).
func ParseMAC(s string) (net.HardwareAddr, error) {
	mac, err := net.ParseMAC(strings.TrimSpace(s))
	if err != nil || len(mac) != 6 {
		return nil, fmt.Errorf("%w %q: want six bytes like aa:bb:cc:dd:ee:ff", ErrBadMAC, s)
	}
	return mac, nil
}

// ParsePassword parses a SecureOn password: 4 bytes as an IPv4 address
// (192.168.1.1) or 6 bytes as a MAC (aa:bb:cc:dd:ee:ff). Empty: none.
func ParsePassword(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	if ip := net.ParseIP(s); ip != nil && ip.To4() != nil {
		return ip.To4(), nil
	}
	if mac, err := net.ParseMAC(s); err == nil && len(mac) == 6 {
		return mac, nil
	}
	return nil, fmt.Errorf("%w: want 4 bytes as a.b.c.d or 6 bytes as aa:bb:cc:dd:ee:ff", ErrBadPassword)
}

// Target is a machine to wake.
type Target struct {
	Name      string
	MAC       net.HardwareAddr
	Addresses []string // host:port to send to (directed broadcasts, the limited broadcast)
	Password  []byte
}

// Sender sends one magic packet.
type Sender interface {
	Send(addr string, mac net.HardwareAddr, password []byte) error
}

// UDP sends magic packets over UDP with mdlayher/wol.
type UDP struct{}

// Send opens a socket, sends one packet and closes the socket.
func (UDP) Send(addr string, mac net.HardwareAddr, password []byte) error {
	c, err := mwol.NewClient()
	if err != nil {
		return fmt.Errorf("opening WoL socket: %w", err)
	}
	defer c.Close()
	if err := c.WakePassword(addr, mac, password); err != nil {
		return fmt.Errorf("sending magic packet to %s: %w", addr, err)
	}
	return nil
}

// Options tune the sending.
type Options struct {
	Repeats int           // packets per address (default 3)
	Spacing time.Duration // between rounds (default 250 ms)
}

// Result is what one wake did.
type Result struct {
	FirstPacket time.Duration // from the call to the first packet out
	Packets     int
	Awake       bool
	Latency     time.Duration // from the call until confirmed awake
}

// Send sends the magic packets: Repeats rounds over every address.
func Send(ctx context.Context, s Sender, t Target, o Options) (Result, error) {
	if len(t.Addresses) == 0 {
		return Result{}, fmt.Errorf("waking %s: %w", t.Name, ErrNoAddress)
	}
	if o.Repeats <= 0 {
		o.Repeats = 3
	}
	if o.Spacing <= 0 {
		o.Spacing = 250 * time.Millisecond
	}
	start := time.Now()
	var r Result
	var errs []error
	for round := range o.Repeats {
		if round > 0 {
			select {
			case <-ctx.Done():
				return r, ctx.Err()
			case <-time.After(o.Spacing):
			}
		}
		for _, addr := range t.Addresses {
			if err := s.Send(addr, t.MAC, t.Password); err != nil {
				errs = append(errs, err)
				continue
			}
			if r.Packets == 0 {
				r.FirstPacket = time.Since(start)
			}
			r.Packets++
		}
	}
	if r.Packets == 0 {
		return r, fmt.Errorf("waking %s: %w", t.Name, errors.Join(errs...))
	}
	return r, nil
}

// Confirm polls awake every interval until it reports true or timeout.
func Confirm(parent context.Context, awake func(context.Context) bool, timeout, interval time.Duration) (time.Duration, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if awake(ctx) {
			return time.Since(start), nil
		}
		select {
		case <-ctx.Done():
			if err := parent.Err(); err != nil {
				return time.Since(start), err // stopped (Ctrl-C), not timed out
			}
			return time.Since(start), fmt.Errorf("%w (%s)", ErrNotAwake, timeout)
		case <-t.C:
		}
	}
}

// TCPAwake reports a target awake when addr (e.g. nas:445) accepts a TCP
// connection: for devices without an agent.
func TCPAwake(addr string) func(context.Context) bool {
	return func(ctx context.Context) bool {
		d := net.Dialer{Timeout: time.Second}
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return false
		}
		_ = c.Close()
		return true
	}
}
