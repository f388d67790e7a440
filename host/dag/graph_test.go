package dag

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// build makes a graph from "from>to" edges and bare node names.
func build(items ...string) *Graph {
	g := New()
	for _, it := range items {
		if from, to, ok := cut(it); ok {
			g.AddEdge(from, to)
			continue
		}
		g.AddNode(it)
	}
	return g
}

func cut(s string) (string, string, bool) {
	for i := range s {
		if s[i] == '>' {
			return s[:i], s[i+1:], true
		}
	}
	return "", "", false
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		graph *Graph
		cycle []string // nil: no cycle
	}{
		{"empty", New(), nil},
		{"chain", build("a>b", "b>c"), nil},
		{"diamond", build("a>b", "a>c", "b>d", "c>d"), nil},
		{"self", build("a>a"), []string{"a", "a"}},
		{"two", build("a>b", "b>a"), []string{"a", "b", "a"}},
		{"three", build("x", "a>b", "b>c", "c>a"), []string{"a", "b", "c", "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.graph.Validate()
			if tt.cycle == nil {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			var ce *CycleError
			if !errors.As(err, &ce) || !errors.Is(err, ErrCycle) {
				t.Fatalf("got %v, want a *CycleError", err)
			}
			if diff := cmp.Diff(tt.cycle, ce.Path); diff != "" {
				t.Errorf("cycle path (-want +got):\n%s", diff)
			}
		})
	}
	if got, want := build("a>b", "b>a").Validate().Error(), "dependency cycle: a -> b -> a"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestTopoOrderAndLevels(t *testing.T) {
	tests := []struct {
		name   string
		graph  *Graph
		order  []string
		levels [][]string
	}{
		{"insertion order for independent nodes", build("c", "a", "b"), []string{"c", "a", "b"}, [][]string{{"c", "a", "b"}}},
		{"deps first", build("z", "b>a", "c>b"), []string{"z", "c", "b", "a"}, [][]string{{"z", "c"}, {"b"}, {"a"}}},
		{"diamond", build("a>b", "a>c", "b>d", "c>d"), []string{"a", "b", "c", "d"}, [][]string{{"a"}, {"b", "c"}, {"d"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.graph.TopoOrder()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.order, got); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
			lv, err := tt.graph.Levels()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.levels, lv); diff != "" {
				t.Errorf("levels (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := build("a>b", "b>a").TopoOrder(); !errors.Is(err, ErrCycle) {
		t.Errorf("got %v, want ErrCycle", err)
	}
}

func TestClosuresAndSubgraph(t *testing.T) {
	g := build("a>b", "b>c", "x>c", "c>d", "e")
	if diff := cmp.Diff([]string{"a", "b", "c", "x"}, g.Upstream("c")); diff != "" {
		t.Errorf("upstream (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"b", "c", "d"}, g.Downstream("b")); diff != "" {
		t.Errorf("downstream (-want +got):\n%s", diff)
	}
	s := g.Subgraph([]string{"a", "c", "b", "nope"})
	if diff := cmp.Diff([]string{"a", "b", "c"}, s.Nodes()); diff != "" {
		t.Errorf("subgraph nodes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"b"}, s.Deps("c")); diff != "" {
		t.Errorf("subgraph deps of c (-want +got):\n%s", diff)
	}
	g.AddEdge("a", "b") // duplicate edge is ignored
	if diff := cmp.Diff([]string{"b"}, g.Dependents("a")); diff != "" {
		t.Errorf("dependents (-want +got):\n%s", diff)
	}
}
