package rest

import (
	"context"
	"sync"
	"time"
)

// bucket is a token bucket: rate tokens a second, at most burst saved.
// Every request to its host takes one token, waiting when none is left.
type bucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func newBucket(rate float64, burst int) *bucket {
	return &bucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: time.Now()}
}

// wait takes a token, sleeping until one is available or ctx ends.
func (b *bucket) wait(ctx context.Context) error {
	if b == nil || b.rate <= 0 {
		return nil
	}
	b.mu.Lock()
	now := time.Now()
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	b.tokens--
	var d time.Duration
	if b.tokens < 0 {
		d = time.Duration(-b.tokens / b.rate * float64(time.Second))
	}
	b.mu.Unlock()
	if d == 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// limiters holds one bucket per host, shared by the reads of one
// connector (so parallel streams to one API share its limit).
type limiters struct {
	mu sync.Mutex
	m  map[string]*bucket
}

// get returns the bucket of host, made with rate and burst on first use.
// Reads that ask for different limits of one host share its bucket at the
// strictest rate and burst asked so far.
func (l *limiters) get(host string, rate float64, burst int) *bucket {
	if rate <= 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string]*bucket{}
	}
	b, ok := l.m[host]
	if !ok {
		b = newBucket(rate, burst)
		l.m[host] = b
		return b
	}
	b.mu.Lock()
	b.rate = min(b.rate, rate)
	b.burst = min(b.burst, float64(burst))
	b.tokens = min(b.tokens, b.burst)
	b.mu.Unlock()
	return b
}
