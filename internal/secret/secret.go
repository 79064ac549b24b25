// Package secret keeps known secret values (broker passwords, DDNS tokens,
// TSIG keys, generated logins) out of everything homefleet writes: a
// Redactor replaces them in log records, in published payloads and in
// what the store keeps. It is the safety net under the rule that no code
// logs a secret: a provider's error that quotes a reply echoing the
// token, or a library that logs a URL with credentials, is caught here.
package secret

import (
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Mask replaces a secret.
const Mask = "[redacted]"

// minLen: shorter values ("on", "1") would mask ordinary words.
const minLen = 4

// Redactor replaces known secrets. The zero value and nil redact nothing.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string // longest first, so a secret containing another is masked whole
}

// New returns a Redactor for secrets (and their base64 decodings, since a
// TSIG key is given encoded and may be shown decoded).
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add learns more secrets (logins generated after start).
func (r *Redactor) Add(secrets ...string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		for _, v := range forms(s) {
			if len(v) >= minLen && !slices.Contains(r.secrets, v) {
				r.secrets = append(r.secrets, v)
			}
		}
	}
	slices.SortFunc(r.secrets, func(a, b string) int { return len(b) - len(a) })
}

func forms(s string) []string {
	out := []string{s}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding} {
		if d, err := enc.DecodeString(s); err == nil && utf8.Valid(d) && len(d) >= minLen {
			out = append(out, string(d))
			break
		}
	}
	return out
}

// String masks every secret in s.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, v := range r.secrets {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, Mask)
		}
	}
	return s
}

// Bytes masks every secret in b (b itself when there is none).
func (r *Redactor) Bytes(b []byte) []byte {
	if r == nil {
		return b
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, v := range r.secrets {
		if bytes.Contains(b, []byte(v)) {
			b = bytes.ReplaceAll(b, []byte(v), []byte(Mask))
		}
	}
	return b
}

// Handler wraps next so no record it writes holds a secret: the message
// and every attribute value are masked as text.
func (r *Redactor) Handler(next slog.Handler) slog.Handler { return handler{next: next, r: r} }

type handler struct {
	next slog.Handler
	r    *Redactor
}

func (h handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h handler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.String(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool { out.AddAttrs(h.attr(a)); return true })
	return h.next.Handle(ctx, out) //nolint:wrapcheck // a handler chain
}

func (h handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindGroup:
		g := v.Group()
		out := make([]slog.Attr, len(g))
		for i, ga := range g {
			out[i] = h.attr(ga)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}
	case slog.KindString:
		return slog.String(a.Key, h.r.String(v.String()))
	case slog.KindAny:
		s := v.String() // errors, stringers, slices: as the text handler would print them
		if m := h.r.String(s); m != s {
			return slog.String(a.Key, m)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

func (h handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		masked[i] = h.attr(a)
	}
	return handler{next: h.next.WithAttrs(masked), r: h.r}
}

func (h handler) WithGroup(name string) slog.Handler {
	return handler{next: h.next.WithGroup(name), r: h.r}
}

// Publisher is anything that publishes MQTT payloads.
type Publisher interface {
	Publish(ctx context.Context, topic string, payload []byte, retain bool) error
}

// Publisher wraps p so every payload it publishes is masked.
func (r *Redactor) Publisher(p Publisher) Publisher { return publisher{p, r} }

type publisher struct {
	next Publisher
	r    *Redactor
}

func (p publisher) Publish(ctx context.Context, topic string, payload []byte, retain bool) error {
	return p.next.Publish(ctx, topic, p.r.Bytes(payload), retain) //nolint:wrapcheck // the session's own error
}
