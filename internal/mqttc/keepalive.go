package mqttc

// The MQTT keepalive, kept by the connection instead of by paho. Paho
// checks its keepalive on a 5 s ticker whether or not anything was sent,
// so an idle agent woke twice per 10 s cycle for nothing; each wake of an
// idle Go process costs about 0.17 ms of CPU on a small VM, a third of the
// agent's whole cycle. Here paho runs with keepalive 0 (no ticker), the
// CONNECT it writes is given the configured keepalive on its way out (so
// the broker still enforces it and fires the will), and one timer per
// connection fires only when the keepalive is due: it sends PINGREQ after
// a keepalive without traffic either way, as paho did, and closes the
// connection when the ping goes unanswered for the ping timeout, which
// paho sees as a lost connection.

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"golang.org/x/net/proxy"
)

// ErrPingTimeout closes a connection whose PINGREQ got no answer.
var ErrPingTimeout = errors.New("no answer to the keepalive ping")

// pingreq is an MQTT PINGREQ packet.
var pingreq = []byte{0xc0, 0x00}

// keepConn is a broker connection that keeps the MQTT keepalive.
type keepConn struct {
	net.Conn
	every, timeout time.Duration

	wmu     sync.Mutex // one packet per Write: paho's writes and the ping's do not interleave
	connect bool       // the CONNECT was written (and given the keepalive)

	lastIn, lastOut atomic.Int64 // unix ns of the last read and write

	mu       sync.Mutex
	timer    *time.Timer
	pingSent time.Time // zero when no ping is outstanding
	closed   bool
	err      error // why the connection was closed here

	co *coalescer // nil: every read goes straight to the socket (coalesce.go)
}

// keepAlive wraps c; every is the keepalive written into the CONNECT
// (0: none, the CONNECT is left as paho wrote it and nothing pings).
func keepAlive(c net.Conn, every, timeout time.Duration) *keepConn {
	k := &keepConn{Conn: c, every: every, timeout: timeout}
	now := time.Now().UnixNano()
	k.lastIn.Store(now)
	k.lastOut.Store(now)
	if every > 0 {
		k.mu.Lock() // the timer may fire before it is stored
		k.timer = time.AfterFunc(every, k.check)
		k.mu.Unlock()
	}
	return k
}

func (k *keepConn) Read(b []byte) (int, error) {
	if k.co != nil {
		return k.co.read(b)
	}
	return k.readConn(b)
}

// readConn reads the socket.
func (k *keepConn) readConn(b []byte) (int, error) {
	n, err := k.Conn.Read(b)
	if n > 0 {
		k.lastIn.Store(time.Now().UnixNano())
	}
	if err != nil {
		k.mu.Lock()
		if k.err != nil {
			err = fmt.Errorf("%w: %w", k.err, err)
		}
		k.mu.Unlock()
	}
	return n, err
}

func (k *keepConn) Write(b []byte) (int, error) {
	k.wmu.Lock()
	defer k.wmu.Unlock()
	if !k.connect {
		k.connect = true
		if k.every > 0 && len(b) > 0 && b[0]&0xf0 == 0x10 {
			b = withKeepalive(b, k.every)
		}
	}
	n, err := k.Conn.Write(b)
	if n > 0 {
		k.lastOut.Store(time.Now().UnixNano())
		if k.co != nil {
			k.co.wrote(b)
		}
	}
	return n, err
}

func (k *keepConn) Close() error {
	k.mu.Lock()
	k.closed = true
	if k.timer != nil {
		k.timer.Stop()
	}
	k.mu.Unlock()
	return k.Conn.Close()
}

// check runs on the timer: it closes the connection when a ping went
// unanswered, sends one when the keepalive passed without traffic, and
// sets the timer to the next moment either can be due.
func (k *keepConn) check() {
	if !k.due() {
		return
	}
	if _, err := k.Write(pingreq); err != nil { // outside mu: a write may block until its deadline
		_ = k.Close()
	}
}

// due decides under mu and resets the timer; true when a ping is to be
// sent now.
func (k *keepConn) due() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return false
	}
	now := time.Now()
	if !k.pingSent.IsZero() {
		if k.lastIn.Load() >= k.pingSent.UnixNano() {
			k.pingSent = time.Time{} // answered (or anything else came in)
		} else if wait := k.pingSent.Add(k.timeout).Sub(now); wait > 0 {
			k.timer.Reset(wait)
			return false
		} else {
			k.err = fmt.Errorf("%w after %s", ErrPingTimeout, k.timeout)
			k.closed = true
			_ = k.Conn.Close() // paho's reader fails: the connection is lost
			return false
		}
	}
	last := time.Unix(0, min(k.lastIn.Load(), k.lastOut.Load()))
	if wait := last.Add(k.every).Sub(now); wait > 0 {
		k.timer.Reset(wait)
		return false
	}
	k.pingSent = now
	k.timer.Reset(k.timeout)
	return true
}

// withKeepalive returns the CONNECT packet b with its keepalive set to
// every (whole seconds, at most 65535); b is returned unchanged when it is
// not a well-formed CONNECT.
func withKeepalive(b []byte, every time.Duration) []byte {
	i := 1 // the remaining length: 1 to 4 bytes, 7 bits each
	for ; i < len(b) && i < 5 && b[i]&0x80 != 0; i++ {
	}
	i++
	if i+2 > len(b) {
		return b
	}
	name := int(b[i])<<8 | int(b[i+1])
	at := i + 2 + name + 2 // past the protocol name, level and flags
	if at+2 > len(b) {
		return b
	}
	secs := min(int(every/time.Second), 0xffff)
	out := append([]byte(nil), b...) // paho's buffer is not ours to change
	out[at], out[at+1] = byte(secs>>8), byte(secs)
	return out
}

// dialer opens broker connections the way paho does (tcp through the
// environment's proxy, tls, ws and wss), wrapped in keepConn, its reads
// coalesced over window (0: not).
func dialer(every, timeout, window time.Duration) paho.OpenConnectionFunc {
	return func(u *url.URL, o paho.ClientOptions) (net.Conn, error) {
		c, err := dial(u, o)
		if err != nil {
			return nil, err
		}
		k := keepAlive(c, every, timeout)
		k.Coalesce(window)
		return k, nil
	}
}

func dial(u *url.URL, o paho.ClientOptions) (net.Conn, error) {
	d := o.Dialer
	if d == nil {
		d = &net.Dialer{Timeout: o.ConnectTimeout}
	}
	switch u.Scheme {
	case "ws", "wss":
		wsURL := *u
		wsURL.User = nil // the credentials go in the CONNECT
		var tc *tls.Config
		if u.Scheme == "wss" {
			tc = o.TLSConfig
		}
		return paho.NewWebsocket(wsURL.String(), tc, o.ConnectTimeout, o.HTTPHeaders, o.WebsocketOptions)
	case "ssl", "tls", "mqtts", "mqtt+ssl", "tcps":
		if os.Getenv("all_proxy") == "" {
			return tls.DialWithDialer(d, "tcp", u.Host, o.TLSConfig)
		}
		c, err := proxy.FromEnvironmentUsing(d).Dial("tcp", u.Host)
		if err != nil {
			return nil, err
		}
		cfg := o.TLSConfig.Clone()
		if cfg == nil {
			cfg = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname() // as DialWithDialer does
		}
		tc := tls.Client(c, cfg)
		if err := tc.Handshake(); err != nil {
			_ = c.Close()
			return nil, err
		}
		return tc, nil
	default: // mqtt, tcp (config allows no others)
		return proxy.FromEnvironmentUsing(d).Dial("tcp", u.Host)
	}
}
