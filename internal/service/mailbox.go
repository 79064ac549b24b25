package service

import "sync"

// Mailbox hands state-like messages (a device's availability, its
// network identity, a disk's latest document) from an MQTT handler to a
// loop without blocking the handler and without losing any key's latest
// message. Up to its size, messages queue in order; past it (the
// retained burst of a thousand devices on connect, while the loop waits
// for an acknowledgement that is behind that burst) each key keeps only
// its newest message until the loop takes them. Queues that dropped them
// instead lost, on each hub start with 1,000 agents, the identities past
// the 64th and the availabilities past the 256th.
type Mailbox[T any] struct {
	ch chan T

	mu   sync.Mutex
	over map[string]T
	keys []string // over's keys in arrival order
	more chan struct{}
}

// NewMailbox returns a mailbox whose queue holds size messages.
func NewMailbox[T any](size int) *Mailbox[T] {
	return &Mailbox[T]{ch: make(chan T, size), over: map[string]T{}, more: make(chan struct{}, 1)}
}

// Put hands m, the newest message of key, to the loop; it never blocks.
func (b *Mailbox[T]) Put(key string, m T) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.over) == 0 { // once messages wait beyond the queue, all do, so none overtakes an older one
		select {
		case b.ch <- m:
			return
		default:
		}
	}
	if _, ok := b.over[key]; !ok {
		b.keys = append(b.keys, key)
	}
	b.over[key] = m
	Nudge(b.more)
}

// C delivers the queued messages, in order.
func (b *Mailbox[T]) C() <-chan T { return b.ch }

// More is signalled when messages wait beyond the queue: the loop then
// calls Overflow.
func (b *Mailbox[T]) More() <-chan struct{} { return b.more }

// Overflow returns every message still queued, then each waiting key's
// newest message in the order the keys arrived, and empties the mailbox.
func (b *Mailbox[T]) Overflow() []T {
	var out []T
	for {
		select {
		case m := <-b.ch:
			out = append(out, m)
			continue
		default:
		}
		break
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, k := range b.keys {
		out = append(out, b.over[k])
	}
	clear(b.over)
	b.keys = b.keys[:0]
	return out
}
