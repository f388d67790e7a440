package dag

import (
	"fmt"
	"strconv"
	"strings"
)

// Formats lists the formats Render accepts.
var Formats = []string{"text", "mermaid", "dot"}

// Render draws the graph in topological order:
//
//	text     one line per node: "id" or "id <- dep1, dep2"
//	mermaid  a Mermaid flowchart (left to right)
//	dot      a Graphviz digraph
func (g *Graph) Render(format string) (string, error) {
	order, err := g.TopoOrder()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	switch format {
	case "text":
		for _, id := range order {
			b.WriteString(id)
			if deps := g.deps[id]; len(deps) > 0 {
				b.WriteString(" <- " + strings.Join(g.sorted(set(deps)), ", "))
			}
			b.WriteString("\n")
		}
	case "mermaid":
		b.WriteString("flowchart LR\n")
		name := map[string]string{}
		for i, id := range order {
			name[id] = fmt.Sprintf("n%d", i)
			fmt.Fprintf(&b, "  %s[\"%s\"]\n", name[id], strings.ReplaceAll(id, `"`, "#quot;"))
		}
		for _, id := range order {
			for _, d := range g.sorted(set(g.deps[id])) {
				fmt.Fprintf(&b, "  %s --> %s\n", name[d], name[id])
			}
		}
	case "dot":
		b.WriteString("digraph dpone {\n  rankdir=LR;\n  node [shape=box];\n")
		for _, id := range order {
			fmt.Fprintf(&b, "  %s;\n", strconv.Quote(id))
		}
		for _, id := range order {
			for _, d := range g.sorted(set(g.deps[id])) {
				fmt.Fprintf(&b, "  %s -> %s;\n", strconv.Quote(d), strconv.Quote(id))
			}
		}
		b.WriteString("}\n")
	default:
		return "", fmt.Errorf("unknown graph format %q: want text, mermaid or dot", format)
	}
	return b.String(), nil
}

func set(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}
