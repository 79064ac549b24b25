package mqttc

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"syscall"
)

// failures logs a run of connection failures: the first of each kind as a
// warning, its repeats at debug level, so a broker that stays away for a
// night leaves one line per kind of failure, not one per attempt.
type failures struct {
	last string
}

func (f *failures) log(log *slog.Logger, msg string, err error, args ...any) {
	class := failureClass(err)
	args = append([]any{"err", err, "kind", class}, args...)
	if class == f.last {
		log.Debug(msg, args...)
		return
	}
	f.last = class
	log.Warn(msg, args...)
}

// failureClass names the kind of a connection failure.
func failureClass(err error) string {
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "unreachable"
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.As(err, &dns):
		return "dns"
	case errors.As(err, &op):
		return "network"
	}
	return "other"
}
