package mqttc

// Read coalescing, for a client that mostly listens to a busy stream (the
// hub, under a fleet's states). Each message that arrives alone wakes the
// process: at a thousand agents that is about a hundred wakes a second,
// and a wake (the network poller's thread, then the runtime's monitor
// thread, which every system call after an idle spell wakes too) costs
// more than the message's own handling. With coalescing, a read that
// comes within the window of the last one waits out the rest of the
// window first, so the messages that arrived meanwhile are read in one
// go, through a buffer (paho reads a packet in three or four pieces).
// A message waits at most the window. A read never waits while the
// client is waiting for an answer: when it wrote a request (a publish,
// subscribe, ping...) since the last read, the acknowledgement is read at
// once, so paced or sequential publishes are not slowed; nor while the
// last read filled the buffer (a burst, such as the retained set at
// connect: it is read back to back, at the socket's pace).

import (
	"bufio"
	"sync/atomic"
	"time"
)

// coalesceBuffer is the read buffer of a coalescing connection.
const coalesceBuffer = 32 << 10

// coalescer delays and buffers a keepConn's reads.
type coalescer struct {
	window   time.Duration
	r        *bufio.Reader
	lastRead time.Time             // when the last read from the socket returned
	full     bool                  // and it filled what it was given: more is waiting
	request  atomic.Int64          // unix ns of the last request written
	kick     chan struct{}         // a request was written: a waiting read reads at once
	wait     func(d time.Duration) // waits d or until kicked; tests count the waits
	timer    *time.Timer
}

// Coalesce makes k's reads wait up to window to be read together.
func (k *keepConn) Coalesce(window time.Duration) {
	if window <= 0 {
		return
	}
	c := &coalescer{window: window, r: bufio.NewReaderSize(rawReader{k}, coalesceBuffer), kick: make(chan struct{}, 1)}
	c.wait = c.waitOrKick
	k.co = c
}

// waitOrKick waits d, or less if a request is written meanwhile (its
// answer is then read at once).
func (c *coalescer) waitOrKick(d time.Duration) {
	if c.timer == nil {
		c.timer = time.NewTimer(d)
	} else {
		c.timer.Reset(d)
	}
	select {
	case <-c.timer.C:
	case <-c.kick:
		c.timer.Stop()
	}
}

// rawReader reads k's socket, keeping the keepalive's last-read time.
type rawReader struct{ k *keepConn }

func (r rawReader) Read(b []byte) (int, error) {
	n, err := r.k.readConn(b)
	r.k.co.full = n == len(b)
	return n, err
}

// read serves from the buffer; when it is empty, it first waits out the
// rest of the window unless a request awaits its answer.
func (c *coalescer) read(b []byte) (int, error) {
	if c.r.Buffered() == 0 && !c.full && !c.lastRead.IsZero() && c.request.Load() < c.lastRead.UnixNano() {
		if wait := c.window - time.Since(c.lastRead); wait > 0 {
			c.wait(wait)
		}
	}
	buffered := c.r.Buffered()
	n, err := c.r.Read(b)
	if buffered == 0 {
		c.lastRead = time.Now() // this read went to the socket
	}
	return n, err
}

// wrote notes a request: a packet that the broker answers.
func (c *coalescer) wrote(b []byte) {
	if len(b) == 0 {
		return
	}
	switch b[0] >> 4 {
	case 1, 3, 6, 8, 10, 12: // CONNECT, PUBLISH, PUBREL, SUBSCRIBE, UNSUBSCRIBE, PINGREQ
		c.request.Store(time.Now().UnixNano())
		select {
		case c.kick <- struct{}{}:
		default:
		}
	}
}
