package dag

import (
	"fmt"
	"html/template"
	"strings"
)

// renderHTML draws the graph as one self-contained HTML page: an SVG with
// a column per dependency level (a node sits one column right of its
// deepest dependency), edges as arrows, and a small script that
// highlights a node's upstream and downstream on hover.
func (g *Graph) renderHTML(order []string) string {
	level := map[string]int{}
	for _, id := range order { // topological: deps come first
		for _, d := range g.deps[id] {
			level[id] = max(level[id], level[d]+1)
		}
	}
	const colW, rowH, boxW, boxH = 260, 56, 220, 34
	rows := map[int]int{}
	pos := map[string][2]int{}
	maxRow, maxLevel := 0, 0
	for _, id := range order {
		l := level[id]
		pos[id] = [2]int{20 + l*colW, 20 + rows[l]*rowH}
		rows[l]++
		maxRow, maxLevel = max(maxRow, rows[l]), max(maxLevel, l)
	}
	w, h := 40+(maxLevel+1)*colW, 40+maxRow*rowH
	esc := template.HTMLEscapeString
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="dag" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="dependency graph">`, w, h, w, h)
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#777"/></marker></defs>`)
	for _, id := range order {
		for _, d := range g.sorted(set(g.deps[id])) {
			from, to := pos[d], pos[id]
			x1, y1, x2, y2 := from[0]+boxW, from[1]+boxH/2, to[0], to[1]+boxH/2
			fmt.Fprintf(&b, `<path class="edge" data-from="%s" data-to="%s" d="M%d,%d C%d,%d %d,%d %d,%d" marker-end="url(#arrow)"/>`,
				esc(d), esc(id), x1, y1, (x1+x2)/2, y1, (x1+x2)/2, y2, x2, y2)
		}
	}
	for _, id := range order {
		p := pos[id]
		label := id
		if len(label) > 30 {
			label = label[:29] + "…"
		}
		fmt.Fprintf(&b, `<g class="node" data-id="%s"><rect x="%d" y="%d" width="%d" height="%d" rx="6"/><text x="%d" y="%d">%s</text><title>%s</title></g>`,
			esc(id), p[0], p[1], boxW, boxH, p[0]+10, p[1]+22, esc(label), esc(id))
	}
	b.WriteString(`</svg>`)
	return fmt.Sprintf(dagPage, len(order), b.String())
}

const dagPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dpone DAG</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
.node rect{fill:#eef5fb;stroke:#0072B2} .node text{font-size:13px}
.edge{fill:none;stroke:#777;stroke-width:1.5}
.node.on rect{fill:#0072B2} .node.on text{fill:#fff} .node.up rect{fill:#E69F00} .node.down rect{fill:#009E73}
.edge.on{stroke:#222;stroke-width:2.5} .dim{opacity:.3}
</style></head><body>
<h1 style="font-size:18px">dpone DAG: %d units</h1>
<p>Arrows point from a unit to the units that depend on it. Hover a unit: upstream in orange, downstream in green.</p>
%s
<script>
(function () {
  var edges = Array.prototype.slice.call(document.querySelectorAll(".edge"));
  var nodes = Array.prototype.slice.call(document.querySelectorAll(".node"));
  function walk(id, dir, seen) {
    edges.forEach(function (e) {
      var a = e.getAttribute(dir === "up" ? "data-to" : "data-from");
      var b = e.getAttribute(dir === "up" ? "data-from" : "data-to");
      if (a === id && !seen[b]) { seen[b] = true; e.classList.add("on"); walk(b, dir, seen); }
    });
    return seen;
  }
  nodes.forEach(function (n) {
    n.addEventListener("mouseenter", function () {
      var id = n.getAttribute("data-id");
      var up = walk(id, "up", {}), down = walk(id, "down", {});
      nodes.forEach(function (o) {
        var x = o.getAttribute("data-id");
        o.classList.toggle("on", x === id);
        o.classList.toggle("up", !!up[x]);
        o.classList.toggle("down", !!down[x]);
        o.classList.toggle("dim", x !== id && !up[x] && !down[x]);
      });
    });
    n.addEventListener("mouseleave", function () {
      nodes.forEach(function (o) { o.classList.remove("on", "up", "down", "dim"); });
      edges.forEach(function (e) { e.classList.remove("on"); });
    });
  });
  document.body.setAttribute("data-rendered", String(nodes.length));
})();
</script>
</body></html>
`
