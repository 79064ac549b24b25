//go:build !unix

package agent

import "time"

// cpuTime is not measured on this OS; benchmarks report 0.
func cpuTime() time.Duration { return 0 }
