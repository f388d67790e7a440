package dag

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func statuses(rs Results) map[string]string {
	m := map[string]string{}
	for _, r := range rs {
		m[r.ID] = r.Status.String()
	}
	return m
}

func TestWalkFailurePropagation(t *testing.T) {
	// a -> b -> d, a -> c, x -> y; b fails.
	g := build("a>b", "a>c", "b>d", "c>e", "d>e", "x>y")
	boom := errors.New("boom")
	var mu sync.Mutex
	var ran []string
	rs := g.Walk(context.Background(), 3, func(_ context.Context, id string) error {
		mu.Lock()
		ran = append(ran, id)
		mu.Unlock()
		if id == "b" {
			return boom
		}
		return nil
	})
	want := map[string]string{"a": "ok", "b": "failed", "c": "ok", "d": "skipped", "e": "skipped", "x": "ok", "y": "ok"}
	if diff := cmp.Diff(want, statuses(rs)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	for _, id := range []string{"d", "e"} {
		if r := rs[id]; !errors.Is(r.Err, ErrUpstreamFailed) {
			t.Errorf("%s: got err %v, want ErrUpstreamFailed", id, r.Err)
		}
	}
	if r := rs["b"]; !errors.Is(r.Err, boom) {
		t.Errorf("b: got err %v, want boom", r.Err)
	}
	if !errors.Is(rs.Err(), boom) {
		t.Errorf("Results.Err: got %v, want it to wrap boom", rs.Err())
	}
	if len(ran) != 5 {
		t.Errorf("got %d calls %v, want 5", len(ran), ran)
	}
}

func TestWalkOrderAndConcurrencyBound(t *testing.T) {
	g := New()
	for i := range 20 {
		g.AddNode(fmt.Sprintf("n%02d", i))
		if i >= 10 {
			g.AddEdge(fmt.Sprintf("n%02d", i-10), fmt.Sprintf("n%02d", i))
		}
	}
	for _, parallel := range []int{0, 1, 3, 8} {
		t.Run(fmt.Sprint(parallel), func(t *testing.T) {
			var cur, peak atomic.Int32
			var mu sync.Mutex
			done := map[string]bool{}
			rs := g.Walk(context.Background(), parallel, func(_ context.Context, id string) error {
				n := cur.Add(1)
				defer cur.Add(-1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				mu.Lock()
				defer mu.Unlock()
				for _, d := range g.Deps(id) {
					if !done[d] {
						return fmt.Errorf("%s started before its dependency %s finished", id, d)
					}
				}
				done[id] = true
				return nil
			})
			if err := rs.Err(); err != nil {
				t.Fatal(err)
			}
			if limit := int32(max(parallel, 1)); peak.Load() > limit {
				t.Errorf("got %d concurrent calls, want at most %d", peak.Load(), limit)
			}
		})
	}
}

func TestWalkReachesParallelism(t *testing.T) {
	g := build("a", "b", "c")
	var wg sync.WaitGroup
	wg.Add(3)
	// Each call waits until all three are running: this deadlocks unless
	// Walk really runs three at once.
	rs := g.Walk(context.Background(), 3, func(context.Context, string) error {
		wg.Done()
		wg.Wait()
		return nil
	})
	if rs.Err() != nil {
		t.Fatalf("got %v, want success", rs.Err())
	}
}

func TestWalkCancel(t *testing.T) {
	g := build("a>b", "b>c", "x")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rs := g.Walk(ctx, 1, func(ctx context.Context, id string) error {
		if id == "a" {
			cancel()
		}
		return nil
	})
	want := map[string]string{"a": "ok", "b": "skipped", "c": "skipped", "x": "skipped"}
	if diff := cmp.Diff(want, statuses(rs)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if r := rs["x"]; !errors.Is(r.Err, context.Canceled) {
		t.Errorf("x: got %v, want context.Canceled", r.Err)
	}
}

func TestWalkPanicAndCycle(t *testing.T) {
	rs := build("a>b").Walk(context.Background(), 2, func(_ context.Context, id string) error {
		if id == "a" {
			panic("kaboom")
		}
		return nil
	})
	if diff := cmp.Diff(map[string]string{"a": "failed", "b": "skipped"}, statuses(rs)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	called := false
	rs = build("a>b", "b>a").Walk(context.Background(), 1, func(context.Context, string) error { called = true; return nil })
	if r := rs["a"]; r.Status != Skipped || !errors.Is(r.Err, ErrCycle) || called {
		t.Errorf("got %v, called %v; want skipped with ErrCycle and no call", r, called)
	}
}
