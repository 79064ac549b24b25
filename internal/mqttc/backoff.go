package mqttc

import (
	"context"
	"math/rand/v2"
	"time"
)

// backoff is exponential backoff with full jitter: a uniform random wait
// in [min, min(max, min*2^attempt)].
func backoff(attempt int, lo, hi time.Duration) time.Duration {
	ceil := lo
	for i := 0; i < attempt && ceil < hi; i++ {
		ceil *= 2
	}
	ceil = min(ceil, hi)
	if ceil <= lo {
		return lo
	}
	return lo + rand.N(ceil-lo) //nolint:gosec // jitter, not security
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
