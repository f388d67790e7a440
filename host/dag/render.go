package dag

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Formats lists the formats Render accepts.
var Formats = []string{"text", "mermaid", "dot", "json", "html"}

// Render draws the graph in topological order:
//
//	text     one line per node: "id" or "id <- dep1, dep2"
//	mermaid  a Mermaid flowchart (left to right)
//	dot      a Graphviz digraph
//	json     {"nodes": [{"id": ..., "deps": [...]}, ...]} for machines
//	html     a self-contained page with an SVG drawing
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
	case "json":
		type node struct {
			ID   string   `json:"id"`
			Deps []string `json:"deps"`
		}
		out := struct {
			Nodes []node `json:"nodes"`
		}{Nodes: []node{}}
		for _, id := range order {
			out.Nodes = append(out.Nodes, node{ID: id, Deps: append([]string{}, g.sorted(set(g.deps[id]))...)})
		}
		j, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return "", err
		}
		b.Write(j)
		b.WriteString("\n")
	case "html":
		b.WriteString(g.renderHTML(order))
	default:
		return "", fmt.Errorf("unknown graph format %q: want text, mermaid, dot, json or html", format)
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
