package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/homefleet/homefleet/internal/topic"
)

// ErrInvalid wraps every validation failure.
var ErrInvalid = errors.New("invalid config")

// FieldError names the field, the bad value and why it is bad.
type FieldError struct {
	Field, Value, Reason string
}

func (e FieldError) Error() string {
	return fmt.Sprintf("%s: %q: %s", e.Field, e.Value, e.Reason)
}

// Unwrap lets callers match errors.Is(err, ErrInvalid).
func (e FieldError) Unwrap() error { return ErrInvalid }

type validator struct{ errs []error }

func (v *validator) add(field, value, reason string) {
	v.errs = append(v.errs, FieldError{Field: field, Value: value, Reason: reason})
}

func (v *validator) positive(field string, d time.Duration) {
	if d <= 0 {
		v.add(field, d.String(), "must be positive")
	}
}

func (v *validator) file(field, path string) {
	if path == "" {
		return
	}
	if _, err := os.Stat(path); err != nil {
		v.add(field, path, "cannot read file: "+errors.Unwrap(err).Error())
	}
}

func (v *validator) hostPort(field, s string) {
	if _, port, err := net.SplitHostPort(s); err != nil || port == "" {
		v.add(field, s, "want host:port")
	}
}

func (v *validator) id(field, s string) {
	if s != topic.ID(s) {
		v.add(field, s, "only a-z, 0-9, '_' and '-' are allowed")
	}
}

// unique refuses a name seen before in the same list.
func (v *validator) unique(seen map[string]bool, field, name string) {
	if seen[name] {
		v.add(field, name, "duplicate name")
	}
	seen[name] = true
}

func (v *validator) oneOf(field, s string, allowed ...string) {
	for _, a := range allowed {
		if s == a {
			return
		}
	}
	v.add(field, s, "must be one of "+strings.Join(allowed, ", "))
}

func (v *validator) err() error { return errors.Join(v.errs...) }

// Log configures logging.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text, json
}

func (l *Log) setDefaults() {
	if l.Level == "" {
		l.Level = "info"
	}
	if l.Format == "" {
		l.Format = "text"
	}
}

func (l Log) validate(v *validator) {
	v.oneOf("log.level", l.Level, "debug", "info", "warn", "error")
	v.oneOf("log.format", l.Format, "text", "json")
}
