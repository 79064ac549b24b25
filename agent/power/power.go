// Package power runs the agent's power verbs (sleep, hibernate, shutdown,
// reboot) through the OS: logind over D-Bus on Linux, the Win32 API on
// Windows. The agent decides whether a verb is allowed; a backend only
// says whether the OS offers it and does it.
package power

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Verb is a power action.
type Verb string

// Verbs.
const (
	Sleep     Verb = "sleep"
	Hibernate Verb = "hibernate"
	Shutdown  Verb = "shutdown"
	Reboot    Verb = "reboot"
)

// Verbs lists every verb.
var Verbs = []Verb{Sleep, Hibernate, Shutdown, Reboot} //nolint:gochecknoglobals // fixed list

// Sentinel errors.
var (
	ErrUnknownVerb = errors.New("unknown power verb")
	ErrNotOffered  = errors.New("the OS does not offer this power action")
	ErrInhibited   = errors.New("blocked by an inhibitor")
	ErrUnsupported = errors.New("power actions are not supported on this OS")
)

// ParseVerb checks a verb name.
func ParseVerb(s string) (Verb, error) {
	v := Verb(s)
	if !slices.Contains(Verbs, v) {
		return "", fmt.Errorf("%w %q (want sleep, hibernate, shutdown or reboot)", ErrUnknownVerb, s)
	}
	return v, nil
}

// Backend is the OS side.
type Backend interface {
	// Can reports whether the OS offers v now (logind's Can*=yes).
	Can(ctx context.Context, v Verb) (bool, error)
	// Do performs v; unless force, an active blocking inhibitor refuses it.
	Do(ctx context.Context, v Verb, force bool) error
}

// blocking returns "who (why)" of the first block-mode inhibitor of v.
// ListInhibitors rows are (what, who, why, mode, uid, pid).
func blocking(rows [][]any, v Verb) string {
	want := "shutdown"
	if v == Sleep || v == Hibernate {
		want = "sleep"
	}
	for _, r := range rows {
		if len(r) < 4 {
			continue
		}
		what, _ := r[0].(string)
		who, _ := r[1].(string)
		why, _ := r[2].(string)
		mode, _ := r[3].(string)
		if mode == "block" && strings.Contains(what, want) {
			return who + " (" + why + ")"
		}
	}
	return ""
}
