// Package dag is a small directed acyclic graph of string ids: build it,
// check it for cycles, order it, walk it in parallel and render it.
//
// An edge from -> to means "to depends on from": from runs first. Nodes
// keep the order in which they were added, and every ordering this
// package produces breaks ties by that order, so output is deterministic.
// A Graph is not safe for concurrent mutation; Walk only reads it.
package dag

import (
	"errors"
	"slices"
	"strings"
)

// ErrCycle is wrapped by every [*CycleError].
var ErrCycle = errors.New("dependency cycle")

// CycleError reports one cycle, as a path whose last id repeats the
// first.
type CycleError struct {
	Path []string
}

func (e *CycleError) Error() string {
	return "dependency cycle: " + strings.Join(e.Path, " -> ")
}

// Unwrap returns ErrCycle.
func (e *CycleError) Unwrap() error { return ErrCycle }

// Graph is a directed graph of string ids.
type Graph struct {
	order []string       // ids in insertion order
	index map[string]int // id -> position in order
	deps  map[string][]string
	outs  map[string][]string
}

// New returns an empty graph.
func New() *Graph {
	return &Graph{index: map[string]int{}, deps: map[string][]string{}, outs: map[string][]string{}}
}

// AddNode adds id; adding it again does nothing.
func (g *Graph) AddNode(id string) {
	if _, ok := g.index[id]; ok {
		return
	}
	g.index[id] = len(g.order)
	g.order = append(g.order, id)
}

// AddEdge records that to depends on from, adding either node if needed.
// Adding an edge twice does nothing.
func (g *Graph) AddEdge(from, to string) {
	g.AddNode(from)
	g.AddNode(to)
	if slices.Contains(g.deps[to], from) {
		return
	}
	g.deps[to] = append(g.deps[to], from)
	g.outs[from] = append(g.outs[from], to)
}

// Has reports whether id is a node.
func (g *Graph) Has(id string) bool {
	_, ok := g.index[id]
	return ok
}

// Len returns the number of nodes.
func (g *Graph) Len() int { return len(g.order) }

// Nodes returns the ids in insertion order.
func (g *Graph) Nodes() []string { return slices.Clone(g.order) }

// Deps returns the ids id depends on, in the order their edges were added.
func (g *Graph) Deps(id string) []string { return slices.Clone(g.deps[id]) }

// Dependents returns the ids that depend on id directly.
func (g *Graph) Dependents(id string) []string { return slices.Clone(g.outs[id]) }

// Upstream returns ids and everything they depend on, transitively, in
// insertion order.
func (g *Graph) Upstream(ids ...string) []string { return g.closure(ids, g.deps) }

// Downstream returns ids and everything that depends on them,
// transitively, in insertion order.
func (g *Graph) Downstream(ids ...string) []string { return g.closure(ids, g.outs) }

func (g *Graph) closure(ids []string, next map[string][]string) []string {
	seen := map[string]bool{}
	stack := slices.Clone(ids)
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[id] || !g.Has(id) {
			continue
		}
		seen[id] = true
		stack = append(stack, next[id]...)
	}
	return g.sorted(seen)
}

// Subgraph returns the graph induced by ids: those nodes (unknown ids are
// ignored) and the edges between them.
func (g *Graph) Subgraph(ids []string) *Graph {
	keep := map[string]bool{}
	for _, id := range ids {
		if g.Has(id) {
			keep[id] = true
		}
	}
	s := New()
	for _, id := range g.sorted(keep) {
		s.AddNode(id)
	}
	for _, id := range s.order {
		for _, d := range g.deps[id] {
			if keep[d] {
				s.AddEdge(d, id)
			}
		}
	}
	return s
}

// sorted returns the members of set in insertion order.
func (g *Graph) sorted(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for _, id := range g.order {
		if set[id] {
			out = append(out, id)
		}
	}
	return out
}
