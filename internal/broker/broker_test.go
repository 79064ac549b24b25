package broker

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

// TestSilentClientIsDropped: a connection that never sends CONNECT is
// closed by the broker after the connect timeout, and one still open does
// not keep Close from returning.
func TestSilentClientIsDropped(t *testing.T) {
	b, err := Start(Options{Listen: "127.0.0.1:0", ConnectTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", b.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second)) // a hang guard, not a timing assertion
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("silent connection: want the broker to close it (EOF), got %v", err)
	}

	b2, err := Start(Options{Listen: "127.0.0.1:0"}) // the default timeout: 10 s
	if err != nil {
		t.Fatal(err)
	}
	c2, err := net.Dial("tcp", b2.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	closed := make(chan error, 1)
	go func() { closed <- b2.Close() }()
	if _, err := c2.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("Close must drop a connection in its connect phase, got %v", err)
	}
	if err := <-closed; err != nil {
		t.Error(err)
	}
	_ = b.Close()
}
