package agent

import (
	"math"
	"slices"

	"github.com/homefleet/homefleet/internal/wire"
)

// Deadbands: a state is republished before the heartbeat only when some
// reading moved by more than its band, or an entity appeared or vanished.
const (
	cpuBand     = 2.0       // points of %
	pctBand     = 0.5       // points of % (memory, swap, filesystems)
	loadBand    = 0.1       // absolute, or loadRel of the value
	loadRel     = 0.1       //
	rateRel     = 0.2       // of the larger rate
	rateFloor   = 10 * 1024 // B/s below which rate changes are noise
	latBand     = 1.0       // ms
	tempBand    = 1.0       // °C
	procsBand   = 5         // processes
	bytesRelMem = 0.02      // of the larger value
)

func moved(a, b, abs, rel float64) bool {
	return math.Abs(a-b) > max(abs, rel*max(math.Abs(a), math.Abs(b)))
}

// movedP is moved for readings that may be unknown (nil): becoming
// known, or unknown, is a move.
func movedP[T uint64 | float64](a, b *T, abs, rel float64) bool {
	if a == nil || b == nil {
		return (a == nil) != (b == nil)
	}
	return moved(float64(*a), float64(*b), abs, rel)
}

// changed reports whether next differs from prev beyond the deadbands.
// Uptime and the timestamp are ignored: they always change.
func changed(prev, next wire.State) bool {
	switch {
	case movedP(prev.CPU, next.CPU, cpuBand, 0),
		moved(prev.Load1, next.Load1, loadBand, loadRel),
		moved(prev.Load5, next.Load5, loadBand, loadRel),
		moved(prev.Load15, next.Load15, loadBand, loadRel),
		moved(prev.MemPct, next.MemPct, pctBand, 0),
		moved(float64(prev.MemAvail), float64(next.MemAvail), 0, bytesRelMem),
		moved(prev.SwapPct, next.SwapPct, pctBand, 0),
		moved(float64(prev.Procs), float64(next.Procs), procsBand, 0),
		prev.Boot != next.Boot,
		!sameFacts(prev.Facts, next.Facts),
		!sameIdle(prev.Idle, next.Idle):
		return true
	}
	return mapChanged(prev.FS, next.FS, func(a, b wire.FS) bool {
		return moved(a.Pct, b.Pct, pctBand, 0) || a.Path != b.Path
	}) || mapChanged(prev.IO, next.IO, func(a, b wire.DiskIO) bool {
		return movedP(a.Read, b.Read, rateFloor, rateRel) || movedP(a.Write, b.Write, rateFloor, rateRel) ||
			movedP(a.Lat, b.Lat, latBand, 0)
	}) || mapChanged(prev.Net, next.Net, func(a, b wire.NetIO) bool {
		return movedP(a.Rx, b.Rx, rateFloor, rateRel) || movedP(a.Tx, b.Tx, rateFloor, rateRel)
	}) || mapChanged(prev.Temp, next.Temp, func(a, b float64) bool {
		return moved(a, b, tempBand, 0)
	})
}

func mapChanged[V any](a, b map[string]V, differs func(V, V) bool) bool {
	if len(a) != len(b) {
		return true
	}
	for k, va := range a {
		vb, ok := b[k]
		if !ok || differs(va, vb) {
			return true
		}
	}
	return false
}

func sameFacts(a, b wire.Facts) bool {
	return a.OS == b.OS && a.Kernel == b.Kernel && a.Arch == b.Arch && a.Version == b.Version && slices.Equal(a.IPs, b.IPs) &&
		a.Host == b.Host && a.Machine == b.Machine
}

// sameEntities reports whether two states yield the same entity set
// (and the same entity names, which carry the mount path).
func sameEntities(a, b wire.State) bool {
	return !mapChanged(a.FS, b.FS, func(x, y wire.FS) bool { return x.Path != y.Path }) &&
		sameKeys(a.IO, b.IO) && sameKeys(a.Net, b.Net) && sameKeys(a.Temp, b.Temp)
}

func sameKeys[V any](a, b map[string]V) bool {
	return !mapChanged(a, b, func(V, V) bool { return false })
}
