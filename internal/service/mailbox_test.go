package service

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

type keyed struct {
	key string
	seq int
}

// TestMailboxKeepsEachKeysNewest: past the queue, a key keeps only its
// newest message, and what was queued comes out before what waited.
func TestMailboxKeepsEachKeysNewest(t *testing.T) {
	b := NewMailbox[keyed](2)
	for i, k := range []string{"a", "b", "c", "a", "d", "c"} {
		b.Put(k, keyed{k, i})
	}
	select {
	case <-b.More():
	default:
		t.Fatal("messages wait beyond the queue but More was not signalled")
	}
	got := b.Overflow()
	want := []keyed{{"a", 0}, {"b", 1}, {"c", 5}, {"a", 3}, {"d", 4}}
	if !slices.Equal(got, want) {
		t.Errorf("overflow %v, want %v", got, want)
	}
	if again := b.Overflow(); len(again) != 0 {
		t.Errorf("a second Overflow returned %v, want nothing", again)
	}
	b.Put("e", keyed{"e", 9})
	if m := <-b.C(); m != (keyed{"e", 9}) {
		t.Errorf("after the overflow was taken, the queue gave %v", m)
	}
}

// TestMailboxLosesNoKeysLatest: many handlers' worth of messages against
// a slow loop: every key's last message arrives, and no key's messages
// arrive out of order.
func TestMailboxLosesNoKeysLatest(t *testing.T) {
	const keys, per = 50, 200
	b := NewMailbox[keyed](8)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range per {
			for k := range keys {
				b.Put(fmt.Sprint(k), keyed{fmt.Sprint(k), i})
			}
		}
		close(done)
	})
	last := map[string]int{}
	see := func(m keyed) {
		if prev, ok := last[m.key]; ok && m.seq < prev {
			t.Errorf("key %s: %d after %d", m.key, m.seq, prev)
		}
		last[m.key] = m.seq
	}
	for finished := false; !finished; {
		select {
		case m := <-b.C():
			see(m)
		case <-b.More():
			for _, m := range b.Overflow() {
				see(m)
			}
		case <-done:
			finished = true
		}
	}
	wg.Wait()
	for _, m := range b.Overflow() {
		see(m)
	}
	for k := range keys {
		if got := last[fmt.Sprint(k)]; got != per-1 {
			t.Errorf("key %d: last message %d, want %d", k, got, per-1)
		}
	}
}
