package broker

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/mochi-mqtt/server/v2/listeners"
)

// DefaultConnectTimeout bounds how long a new connection may take to send
// its CONNECT (and finish the TLS handshake). mochi waits for it without a
// deadline, so a client that connects and says nothing would hold a
// goroutine forever and keep Close from returning.
const DefaultConnectTimeout = 10 * time.Second

// netListener is mochi's TCP listener without its client-closing callback
// on Close. In mochi v2.7.9 that callback (Clients.GetByListener) takes the
// clients' read lock and, holding it, takes it again in Len: with a client
// attaching at that moment (its Delete waiting for the write lock) the
// broker's Close deadlocks for good (seen in CI). The guardedListener under
// it closes every connection itself, which ends each client's session.
type netListener struct{ *listeners.Net }

// Close implements mochi's listeners.Listener.
func (l netListener) Close(listeners.CloseFn) { l.Net.Close(func(string) {}) }

// guardedListener gives every accepted connection a deadline for the
// connect phase (mochi replaces it with the keepalive deadline after the
// CONNECT) and closes every connection still open when it closes.
type guardedListener struct {
	net.Listener
	tls     *tls.Config
	timeout time.Duration

	mu     sync.Mutex
	conns  map[*trackedConn]struct{}
	closed bool
}

func listen(addr string, tc *tls.Config, timeout time.Duration) (*guardedListener, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	if timeout <= 0 {
		timeout = DefaultConnectTimeout
	}
	return &guardedListener{Listener: l, tls: tc, timeout: timeout, conns: map[*trackedConn]struct{}{}}, nil
}

// Accept implements net.Listener.
func (g *guardedListener) Accept() (net.Conn, error) {
	c, err := g.Listener.Accept()
	if err != nil {
		return nil, err //nolint:wrapcheck // mochi only checks for an error
	}
	_ = c.SetDeadline(time.Now().Add(g.timeout))
	tc := &trackedConn{Conn: c, owner: g}
	var out net.Conn = tc
	if g.tls != nil {
		out = tls.Server(tc, g.tls)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		_ = c.Close()
		return nil, net.ErrClosed
	}
	g.conns[tc] = struct{}{}
	return out, nil
}

// Close stops accepting and closes every connection still open.
func (g *guardedListener) Close() error {
	g.mu.Lock()
	g.closed = true
	conns := make([]*trackedConn, 0, len(g.conns))
	for c := range g.conns {
		conns = append(conns, c)
	}
	g.mu.Unlock()
	err := g.Listener.Close()
	for _, c := range conns {
		_ = c.Conn.Close()
	}
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err //nolint:wrapcheck // mochi ignores it
}

type trackedConn struct {
	net.Conn
	owner *guardedListener
	once  sync.Once
}

// Close implements net.Conn and forgets the connection.
func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.owner.mu.Lock()
		delete(c.owner.conns, c)
		c.owner.mu.Unlock()
	})
	return c.Conn.Close() //nolint:wrapcheck // as net.Conn
}
