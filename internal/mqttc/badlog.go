package mqttc

import (
	"log/slog"
	"sync"
)

// badLog logs a rejected message at Warn the first time a topic produces
// one, and at Debug after that, so a publisher looping garbage cannot
// flood the log.
type badLog struct {
	mu   sync.Mutex
	seen map[string]int
}

const badLogTopics = 1024

func (b *badLog) report(log *slog.Logger, topic string, err error) {
	b.mu.Lock()
	if b.seen == nil || len(b.seen) >= badLogTopics {
		b.seen = map[string]int{}
	}
	b.seen[topic]++
	n := b.seen[topic]
	b.mu.Unlock()
	if n == 1 {
		log.Warn("ignoring message", "topic", topic, "err", err)
		return
	}
	log.Debug("ignoring message", "topic", topic, "err", err, "count", n)
}
