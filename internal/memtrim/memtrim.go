// Package memtrim releases the resident pages of the executable's code and
// read-only data that a long-running daemon no longer uses: startup code,
// and whatever the kernel mapped around the pages actually used.
package memtrim

import "errors"

// ErrUnsupported is returned where trimming is not implemented.
var ErrUnsupported = errors.New("memory trimming not supported on this OS")
