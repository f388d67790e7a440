package dag

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime/debug"
	"slices"
)

// ErrUpstreamFailed is wrapped by the error of a node skipped because a
// node it depends on failed or was skipped.
var ErrUpstreamFailed = errors.New("upstream failed")

// Status is the outcome of one node in a Walk.
type Status int

const (
	// Skipped: never started, because an upstream node did not succeed or
	// the context was cancelled first.
	Skipped Status = iota
	// OK: fn returned nil.
	OK
	// Failed: fn returned an error (or panicked).
	Failed
)

func (s Status) String() string {
	switch s {
	case OK:
		return "ok"
	case Failed:
		return "failed"
	}
	return "skipped"
}

// Result is the outcome of one node.
type Result struct {
	ID     string
	Status Status
	// Err is fn's error for Failed; for Skipped it wraps ErrUpstreamFailed
	// or the context's error.
	Err error
}

// Results holds one Result per node, keyed by id.
type Results map[string]Result

// Err joins the errors of every node that did not succeed, ordered by id,
// or returns nil.
func (rs Results) Err() error {
	ids := slices.Sorted(maps.Keys(rs))
	var errs []error
	for _, id := range ids {
		if r := rs[id]; r.Status != OK {
			errs = append(errs, fmt.Errorf("%s: %w", id, r.Err))
		}
	}
	return errors.Join(errs...)
}

// Walk calls fn for every node once all of its dependencies returned nil,
// running at most parallel calls at a time (parallel < 1 means 1). Among
// ready nodes, earlier-added ones start first. When fn fails, every node
// downstream of it is skipped. When ctx is cancelled no further node
// starts; running calls see the cancelled ctx and Walk waits for them.
// Walk returns one Result per node; its Err method reports failures. On a
// cyclic graph fn is never called and every node is Skipped with the
// [*CycleError] (call Validate first to report it on its own).
func (g *Graph) Walk(ctx context.Context, parallel int, fn func(ctx context.Context, id string) error) Results {
	if err := g.Validate(); err != nil {
		out := make(Results, len(g.order))
		for _, id := range g.order {
			out[id] = Result{ID: id, Status: Skipped, Err: err}
		}
		return out
	}
	parallel = max(parallel, 1)
	type done struct {
		id  string
		err error
	}
	results := make(map[string]*Result, len(g.order))
	indeg := make(map[string]int, len(g.order))
	var ready []string
	for _, id := range g.order {
		indeg[id] = len(g.deps[id])
		if indeg[id] == 0 {
			ready = append(ready, id)
		}
	}
	finished := make(chan done)
	running := 0
	for {
		for running < parallel && len(ready) > 0 && ctx.Err() == nil {
			id := ready[0]
			ready = ready[1:]
			running++
			go func() { finished <- done{id, call(ctx, id, fn)} }()
		}
		if running == 0 {
			break
		}
		d := <-finished
		running--
		if d.err == nil {
			results[d.id] = &Result{ID: d.id, Status: OK}
			for _, n := range g.outs[d.id] {
				if indeg[n]--; indeg[n] == 0 && results[n] == nil {
					ready = g.insert(ready, n)
				}
			}
			continue
		}
		results[d.id] = &Result{ID: d.id, Status: Failed, Err: d.err}
		for _, n := range g.Downstream(d.id) {
			if results[n] == nil {
				results[n] = &Result{ID: n, Status: Skipped, Err: fmt.Errorf("%w: %s", ErrUpstreamFailed, d.id)}
			}
		}
	}
	out := make(Results, len(g.order))
	for _, id := range g.order {
		r := results[id]
		if r == nil {
			cause := ctx.Err()
			if cause == nil {
				cause = errors.New("not started") // unreachable for a valid graph
			}
			r = &Result{ID: id, Status: Skipped, Err: cause}
		}
		out[id] = *r
	}
	return out
}

// call runs fn, turning a panic into an error.
func call(ctx context.Context, id string, fn func(context.Context, string) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in %s: %v\n%s", id, p, debug.Stack())
		}
	}()
	return fn(ctx, id)
}
