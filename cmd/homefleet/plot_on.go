//go:build !noplot && !agentonly

package main

import (
	"github.com/homefleet/homefleet/hub/predict/eval"
	"github.com/homefleet/homefleet/hub/predict/eval/plot"
)

// writePlots draws the evaluation's figures (gonum/plot, with its fonts:
// about 7 MB, so the packaged builds leave it out with -tags noplot).
func writePlots(r *eval.Report, dir string) error { return plot.Write(r, dir) }
