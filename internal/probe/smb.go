package probe

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
)

// ErrNotSMB is a reply that is not an SMB2 NEGOTIATE response.
var ErrNotSMB = errors.New("not an SMB2 negotiate response")

// dialects offered: SMB 2.0.2 to 3.0.2 (3.1.1 needs negotiate contexts,
// and any server speaking 3.1.1 also speaks these).
var dialects = []uint16{0x0202, 0x0210, 0x0300, 0x0302}

// NegotiateRequest is a NetBIOS-framed SMB2 NEGOTIATE request.
func NegotiateRequest() []byte {
	const hdr, body = 64, 36
	msg := make([]byte, 4+hdr+body+2*len(dialects))
	binary.BigEndian.PutUint32(msg[0:4], uint32(len(msg)-4)) // NetBIOS session message, 24-bit length
	h := msg[4:]
	copy(h[0:4], "\xfeSMB")
	binary.LittleEndian.PutUint16(h[4:], hdr) // StructureSize
	binary.LittleEndian.PutUint16(h[14:], 1)  // CreditRequest; Command 0 = NEGOTIATE
	b := h[hdr:]
	binary.LittleEndian.PutUint16(b[0:], body) // StructureSize
	binary.LittleEndian.PutUint16(b[2:], uint16(len(dialects)))
	binary.LittleEndian.PutUint16(b[4:], 1) // SecurityMode: signing enabled
	_, _ = rand.Read(b[12:28])              // ClientGuid
	for i, d := range dialects {
		binary.LittleEndian.PutUint16(b[body+2*i:], d)
	}
	return msg
}

// ParseNegotiate reads a NetBIOS-framed SMB2 NEGOTIATE response and
// returns the dialect the server chose, e.g. "SMB 3.0.2".
func ParseNegotiate(msg []byte) (string, error) {
	if len(msg) < 4+64+8 {
		return "", fmt.Errorf("%w: %d bytes", ErrNotSMB, len(msg))
	}
	h := msg[4:]
	if string(h[0:4]) != "\xfeSMB" {
		return "", fmt.Errorf("%w: protocol id %q", ErrNotSMB, h[0:4])
	}
	if cmd := binary.LittleEndian.Uint16(h[12:]); cmd != 0 {
		return "", fmt.Errorf("%w: command %d", ErrNotSMB, cmd)
	}
	if st := binary.LittleEndian.Uint32(h[8:]); st != 0 {
		return "", fmt.Errorf("SMB server refused to negotiate: NT status 0x%08x", st)
	}
	b := h[64:]
	if binary.LittleEndian.Uint16(b[0:]) != 65 {
		return "", fmt.Errorf("%w: body size %d", ErrNotSMB, binary.LittleEndian.Uint16(b[0:]))
	}
	d := binary.LittleEndian.Uint16(b[4:])
	return fmt.Sprintf("SMB %d.%d.%d", d>>8, (d>>4)&0xf, d&0xf), nil
}

// SMB connects to addr (port 445 when none is given) and negotiates, so a
// port that accepts but whose SMB service is dead is caught.
func SMB(ctx context.Context, addr string) (string, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, "445")
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("connecting to %s: %w", addr, err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	if _, err := c.Write(NegotiateRequest()); err != nil {
		return "", fmt.Errorf("port open on %s but sending the SMB negotiate failed: %w", addr, noSMB(err))
	}
	var nb [4]byte
	if _, err := io.ReadFull(c, nb[:]); err != nil {
		return "", fmt.Errorf("port open on %s but no SMB answer: %w", addr, noSMB(err))
	}
	n := binary.BigEndian.Uint32(nb[:]) & 0xffffff
	if nb[0] != 0 || n > 1<<16 {
		return "", fmt.Errorf("port open on %s but the answer is not SMB: %w", addr, ErrNotSMB)
	}
	msg := make([]byte, 4+n)
	copy(msg, nb[:])
	if _, err := io.ReadFull(c, msg[4:]); err != nil {
		return "", fmt.Errorf("port open on %s but the SMB answer was cut: %w", addr, noSMB(err))
	}
	dialect, err := ParseNegotiate(msg)
	if err != nil {
		return "", fmt.Errorf("port open on %s but %w", addr, err)
	}
	return dialect, nil
}

func noSMB(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return errors.New("timed out waiting for it")
	}
	// A server that closes at once shows as EOF, or as a reset when the
	// close races our request (smbd stopping, a port that accepts and
	// drops): the same fact for the user.
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return errClosed
	}
	return err
}

var errClosed = errors.New("the server closed the connection")
