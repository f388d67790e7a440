package dag

import "slices"

// Validate returns a [*CycleError] naming one cycle, or nil.
func (g *Graph) Validate() error {
	const (
		unseen = iota
		active
		done
	)
	state := make(map[string]int, len(g.order))
	var stack []string
	var visit func(id string) []string
	visit = func(id string) []string {
		state[id] = active
		stack = append(stack, id)
		for _, d := range g.deps[id] {
			switch state[d] {
			case active:
				i := slices.Index(stack, d)
				// stack runs against the edges (node, then its dep); report
				// the cycle in execution order: dep -> dependent.
				cyc := slices.Clone(stack[i:])
				slices.Reverse(cyc)
				return append([]string{d}, cyc...)
			case unseen:
				if c := visit(d); c != nil {
					return c
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[id] = done
		return nil
	}
	for _, id := range g.order {
		if state[id] == unseen {
			if c := visit(id); c != nil {
				return &CycleError{Path: c}
			}
		}
	}
	return nil
}

// TopoOrder returns every id after all of its dependencies; ties keep
// insertion order. A cyclic graph yields a [*CycleError].
func (g *Graph) TopoOrder() ([]string, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	indeg := make(map[string]int, len(g.order))
	for _, id := range g.order {
		indeg[id] = len(g.deps[id])
	}
	var ready, out []string
	for _, id := range g.order {
		if indeg[id] == 0 {
			ready = append(ready, id)
		}
	}
	for len(ready) > 0 {
		id := ready[0]
		ready = ready[1:]
		out = append(out, id)
		for _, n := range g.outs[id] {
			if indeg[n]--; indeg[n] == 0 {
				ready = g.insert(ready, n)
			}
		}
	}
	return out, nil
}

// insert adds id to ready, keeping ready in insertion order.
func (g *Graph) insert(ready []string, id string) []string {
	i, _ := slices.BinarySearchFunc(ready, id, func(a, b string) int { return g.index[a] - g.index[b] })
	return slices.Insert(ready, i, id)
}

// Levels groups ids into waves: level 0 has no dependencies, level n
// depends only on earlier levels.
func (g *Graph) Levels() ([][]string, error) {
	order, err := g.TopoOrder()
	if err != nil {
		return nil, err
	}
	level := map[string]int{}
	var out [][]string
	for _, id := range order {
		l := 0
		for _, d := range g.deps[id] {
			l = max(l, level[d]+1)
		}
		level[id] = l
		if l == len(out) {
			out = append(out, nil)
		}
		out[l] = append(out[l], id)
	}
	return out, nil
}
