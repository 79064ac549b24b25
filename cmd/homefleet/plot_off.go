//go:build noplot && !agentonly

package main

import (
	"fmt"

	"github.com/homefleet/homefleet/hub/predict/eval"
)

// writePlots refuses: this build left gonum/plot out to stay small.
func writePlots(_ *eval.Report, dir string) error {
	return fmt.Errorf("%w: this build has no plots (built with -tags noplot); draw them from the source tree: go run ./cmd/homefleet predict eval --data FILE --plot %s", errUsage, dir)
}
