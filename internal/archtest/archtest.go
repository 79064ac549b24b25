// Package archtest holds the architecture's dependency rules in one table
// and checks the module's import graph against them (go list). Its test
// runs with the rest: adding a forbidden import fails CI, naming it.
package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
)

// Module is the module path.
const Module = "github.com/homefleet/homefleet"

// ErrRule is wrapped by every violation.
var ErrRule = errors.New("dependency rule")

// Rule forbids packages matching From to import packages matching To.
// A pattern is a path relative to the module ("hub/predict"), "x/..."
// for x and everything below it, or a standard library path ("net").
type Rule struct {
	From, To []string
	Why      string
}

// Rules are the architecture's dependency rules (DESIGN.md).
var Rules = []Rule{ //nolint:gochecknoglobals // the one table
	{From: []string{"agent/..."}, To: []string{"hub/..."}, Why: "agent and hub meet only in internal/ and cmd/"},
	{From: []string{"hub/..."}, To: []string{"agent/..."}, Why: "agent and hub meet only in internal/ and cmd/"},
	{From: []string{"agent/collect/..."}, To: []string{"internal/mqttc", "internal/topic", "discovery/..."}, Why: "collectors know no transport"},
	{From: []string{"hub/predict"}, To: []string{"internal/mqttc", "hub/store", "net", "net/..."}, Why: "the predictor is pure"},
	{From: []string{"discovery/..."}, To: []string{"agent/...", "hub/...", "internal/mqttc"}, Why: "discovery imports no feature package"},
	{From: []string{"internal/..."}, To: []string{"agent/...", "hub/...", "discovery/...", "cmd/..."}, Why: "internal/ imports no feature package"},
}

// Package is one package of the graph.
type Package struct {
	ImportPath string
	Imports    []string
}

// List runs go list over the module at dir.
func List(dir string) ([]Package, error) {
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports", "./...")
	cmd.Dir = dir
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go list: %w: %s", err, stderr.String())
	}
	var pkgs []Package
	dec := json.NewDecoder(&out)
	for {
		var p Package
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("decoding go list: %w", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// Check returns one error per forbidden import, naming both packages and
// the rule.
func Check(pkgs []Package, rules []Rule) []error {
	var errs []error
	for _, p := range pkgs {
		from := strings.TrimPrefix(p.ImportPath, Module+"/")
		for _, imp := range p.Imports {
			to := strings.TrimPrefix(imp, Module+"/")
			for _, r := range rules {
				if matchAny(r.From, from) && matchAny(r.To, to) {
					errs = append(errs, fmt.Errorf("%w: %s imports %s: %s", ErrRule, from, to, r.Why))
				}
			}
		}
	}
	return errs
}

func matchAny(patterns []string, path string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return match(p, path) })
}

func match(pattern, path string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == base || strings.HasPrefix(path, base+"/")
	}
	return path == pattern
}
