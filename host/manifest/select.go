package manifest

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/dpone-go/dpone/host/dag"
)

// Select returns the units matched by any selector and by no exclude, in
// manifest order. No selectors means every unit. A selector is a unit id,
// "<schema>.<table>", a glob over either ("public.*", "*.orders"), or
// "tag:<tag>" (every unit when the manifest's metadata carries the tag); a
// leading "#" is ignored. A selector that matches nothing is an error
// with a suggestion.
func (m *Manifest) Select(selectors, excludes []string) ([]*Unit, error) {
	pick := map[*Unit]bool{}
	var errs []error
	if len(selectors) == 0 {
		for _, u := range m.Units {
			pick[u] = true
		}
	}
	for _, s := range selectors {
		us, err := m.Match(s)
		if err != nil {
			errs = append(errs, err)
		}
		for _, u := range us {
			pick[u] = true
		}
	}
	for _, s := range excludes {
		us, err := m.Match(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("exclude: %w", err))
		}
		for _, u := range us {
			delete(pick, u)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	var out []*Unit
	for _, u := range m.Units {
		if pick[u] {
			out = append(out, u)
		}
	}
	return out, nil
}

// Match returns the units one selector names, in manifest order.
func (m *Manifest) Match(selector string) ([]*Unit, error) {
	sel := strings.TrimPrefix(strings.TrimSpace(selector), "#")
	var out []*Unit
	switch {
	case sel == "":
		return nil, fmt.Errorf("%w: empty selector", ErrSelector)
	case strings.HasPrefix(sel, "tag:"):
		if slices.Contains(m.Metadata.Tags, strings.TrimPrefix(sel, "tag:")) {
			out = slices.Clone(m.Units)
		}
	case strings.ContainsAny(sel, "*?["):
		if _, err := path.Match(sel, ""); err != nil {
			return nil, fmt.Errorf("%w: bad glob %q: %v", ErrSelector, sel, err)
		}
		for _, u := range m.Units {
			a, _ := path.Match(sel, u.ID)
			b, _ := path.Match(sel, u.Schema+"."+u.Table)
			if a || b {
				out = append(out, u)
			}
		}
	default:
		for _, u := range m.Units {
			if u.ID == sel {
				return []*Unit{u}, nil
			}
		}
		for _, u := range m.Units {
			if u.Schema+"."+u.Table == sel {
				out = append(out, u)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %q matches no unit%s", ErrSelector, selector, m.suggestUnit(sel))
	}
	return out, nil
}

func (m *Manifest) suggestUnit(sel string) string {
	var names []string
	for _, u := range m.Units {
		names = append(names, u.ID)
		if st := u.Schema + "." + u.Table; st != u.ID {
			names = append(names, st)
		}
	}
	if s := suggest(sel, names); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

// Graph returns the dependency graph of every unit: an edge from each
// unit in Needs to the unit. Parse has already rejected cycles.
func (m *Manifest) Graph() *dag.Graph {
	return graphOf(m.Units)
}

// GraphOf returns the dependency graph among units; dependencies on
// units outside the list are dropped.
func GraphOf(units []*Unit) *dag.Graph { return graphOf(units) }

func graphOf(units []*Unit) *dag.Graph {
	g := dag.New()
	in := map[string]bool{}
	for _, u := range units {
		g.AddNode(u.ID)
		in[u.ID] = true
	}
	for _, u := range units {
		for _, d := range u.Needs {
			if in[d] {
				g.AddEdge(d, u.ID)
			}
		}
	}
	return g
}

// resolveDeps turns every unit's depends_on selectors into unit ids and
// rejects unknown selectors, self-dependencies and cycles.
func (b *builder) resolveDeps() {
	m := b.m
	for _, u := range m.Units {
		for _, d := range u.deps {
			sel := d.str()
			us, err := m.Match(sel)
			if err != nil {
				b.p.add(ErrSelector, d.line, u.ID, "depends_on: %v", strings.TrimPrefix(err.Error(), ErrSelector.Error()+": "))
				continue
			}
			// A unit matching its own selector is skipped when the selector
			// is a glob or inherited from shared defaults ("every table of
			// mart depends on mart.base" includes mart.base); written on the
			// table itself it is a mistake.
			explicit := !strings.ContainsAny(sel, "*?[") && !strings.HasPrefix(sel, "tag:") && strings.Contains(d.layer, ".tables[")
			for _, dep := range us {
				if dep == u {
					if explicit {
						b.p.add(ErrInvalid, d.line, u.ID, "depends_on %q: a unit cannot depend on itself", sel)
					}
					continue
				}
				if !slices.Contains(u.Needs, dep.ID) {
					u.Needs = append(u.Needs, dep.ID)
				}
			}
		}
		slices.Sort(u.Needs)
	}
	if len(b.p.errs) > 0 {
		return
	}
	if err := m.Graph().Validate(); err != nil {
		line := 0
		var ce *dag.CycleError
		if errors.As(err, &ce) {
			for _, u := range m.Units {
				if u.ID == ce.Path[0] {
					line = u.Line
				}
			}
		}
		b.p.addErr(err, line, "depends_on: "+err.Error())
	}
}
