// Package idle decides whether a machine is in use, in the spirit of
// autosuspend: each check reports what keeps the machine awake, in words
// ("2 SMB sessions from 192.168.1.20"); no reason from any check means idle.
package idle

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Check is one activity check.
type Check interface {
	Name() string
	// Active returns the reasons the machine is in use; none means idle
	// as far as this check can tell.
	Active(ctx context.Context) ([]string, error)
}

// Result is the combined verdict.
type Result struct {
	Idle    bool
	Reasons []string
	Errors  []string // checks that could not run (they do not block sleep)
}

// Evaluate runs every check.
func Evaluate(ctx context.Context, checks []Check) Result {
	var r Result
	for _, c := range checks {
		reasons, err := c.Active(ctx)
		if err != nil {
			r.Errors = append(r.Errors, fmt.Sprintf("%s: %v", c.Name(), err))
			continue
		}
		r.Reasons = append(r.Reasons, reasons...)
	}
	r.Idle = len(r.Reasons) == 0
	return r
}

// countBy renders "2 SMB sessions from 192.168.1.20" style reasons.
func countBy(what string, by map[string]int) []string {
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		n := by[k]
		noun := what
		if n != 1 {
			noun = plural(what)
		}
		out = append(out, fmt.Sprintf("%d %s from %s", n, noun, k))
	}
	return out
}

func plural(s string) string {
	if strings.HasSuffix(s, "s") {
		return s
	}
	return s + "s"
}
