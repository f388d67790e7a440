package evidence

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
)

// RenderHTML writes one self-contained HTML page for a run report: no
// network is needed to view it (styles, pictures and the small script are
// inline; pictures are SVG drawn here). It shows a per-unit timeline of
// read, write and commit, throughput over time, rows and quarantine per
// unit, and errors with their codes.
func RenderHTML(w io.Writer, r *Report) error {
	v := htmlView{R: r, Totals: r.Totals()}
	v.Timeline = timelineSVG(r)
	v.Throughput = throughputSVG(r)
	v.Rows = rowsSVG(r)
	for _, u := range r.Units {
		if u.Error != nil {
			v.Errors = append(v.Errors, u)
		}
	}
	return htmlPage.Execute(w, v)
}

type htmlView struct {
	R                          *Report
	Totals                     Totals
	Timeline, Throughput, Rows template.HTML
	Errors                     []UnitReport
}

// palette colours units and phases (colour-blind-safe Okabe-Ito).
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"}

const (
	svgW     = 960
	labelW   = 220
	laneH    = 8
	unitRowH = 3*laneH + 10
)

func esc(s string) string { return template.HTMLEscapeString(s) }

// timelineSVG draws one row per unit: lanes for read and write (which
// overlap: rows stream from source to sink) and commit, on the run's time
// axis.
func timelineSVG(r *Report) template.HTML {
	span := r.DurationSeconds
	for _, u := range r.Units {
		span = math.Max(span, u.EndSeconds)
	}
	if span <= 0 {
		span = 1
	}
	x := func(s float64) float64 { return labelW + s/span*float64(svgW-labelW-20) }
	h := len(r.Units)*unitRowH + 40
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" id="timeline" viewBox="0 0 %d %d" role="img" aria-label="unit timeline">`, svgW, h)
	axis(&b, x, span, h-20)
	for i, u := range r.Units {
		y := 10 + i*unitRowH
		fmt.Fprintf(&b, `<g class="unit" data-unit="%s"><text x="4" y="%d" class="label">%s</text>`, esc(u.Unit), y+2*laneH, esc(u.Unit))
		start := u.StartSeconds
		end := u.EndSeconds
		if end < start {
			end = start
		}
		lanes := []struct {
			name     string
			from, to float64
			color    string
		}{
			{"read", start, start + u.ReadSeconds, palette[0]},
			{"write", start, start + u.WriteSeconds, palette[2]},
			{"commit", end - u.CommitSeconds, end, palette[1]},
		}
		for j, l := range lanes {
			if l.to <= l.from {
				continue
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s %s: %.2fs</title></rect>`,
				x(l.from), y+j*laneH, math.Max(1, x(l.to)-x(l.from)), laneH-1, l.color, esc(u.Unit), l.name, l.to-l.from)
		}
		if u.Status != "ok" {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="bad">%s</text>`, x(end)+4, y+2*laneH, esc(u.Status))
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func axis(b *strings.Builder, x func(float64) float64, span float64, y int) {
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="axis"/>`, labelW, y, svgW-20, y)
	step := niceStep(span / 8)
	for t := 0.0; t <= span+1e-9; t += step {
		fmt.Fprintf(b, `<text x="%.1f" y="%d" class="tick">%gs</text>`, x(t), y+14, math.Round(t*100)/100)
	}
}

// niceStep rounds s up to 1, 2 or 5 times a power of ten.
func niceStep(s float64) float64 {
	if s <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(s)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= s {
			return m * p
		}
	}
	return 10 * p
}

// throughputSVG draws rows read per second over time, one line per unit,
// from the report's samples.
func throughputSVG(r *Report) template.HTML {
	type pt struct{ t, v float64 }
	series := map[string][]pt{}
	maxT, maxV := r.DurationSeconds, 1.0
	for _, u := range r.Units {
		prevT, prevRows := u.StartSeconds, int64(0)
		for _, s := range u.Samples {
			dt := s.At - prevT
			if dt <= 0 {
				continue
			}
			v := float64(s.Rows-prevRows) / dt
			series[u.Unit] = append(series[u.Unit], pt{s.At, v})
			maxV, maxT = math.Max(maxV, v), math.Max(maxT, s.At)
			prevT, prevRows = s.At, s.Rows
		}
	}
	if maxT <= 0 {
		maxT = 1
	}
	const h = 220
	x := func(t float64) float64 { return labelW + t/maxT*float64(svgW-labelW-20) }
	y := func(v float64) float64 { return 10 + (1-v/maxV)*float64(h-50) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" id="throughput" viewBox="0 0 %d %d" role="img" aria-label="throughput over time">`, svgW, h)
	axis(&b, x, maxT, h-30)
	fmt.Fprintf(&b, `<text x="4" y="20" class="tick">%s rows/s</text>`, groupDigits(int64(maxV)))
	for i, u := range r.Units {
		pts := series[u.Unit]
		if len(pts) == 0 {
			continue
		}
		var d strings.Builder
		for j, p := range pts {
			cmd := "L"
			if j == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&d, "%s%.1f,%.1f ", cmd, x(p.t), y(p.v))
		}
		c := palette[i%len(palette)]
		fmt.Fprintf(&b, `<g class="unit" data-unit="%s"><path d="%s" fill="none" stroke="%s" stroke-width="2"><title>%s</title></path>`,
			esc(u.Unit), strings.TrimSpace(d.String()), c, esc(u.Unit))
		fmt.Fprintf(&b, `<text x="4" y="%d" class="label" fill="%s">%s</text></g>`, 40+14*i, c, esc(u.Unit))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// rowsSVG draws rows written and quarantined per unit as horizontal bars.
func rowsSVG(r *Report) template.HTML {
	maxRows := int64(1)
	for _, u := range r.Units {
		maxRows = max(maxRows, u.RowsWritten+u.RowsQuarantined)
	}
	h := len(r.Units)*22 + 10
	w := func(n int64) float64 { return float64(n) / float64(maxRows) * float64(svgW-labelW-120) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" id="rows" viewBox="0 0 %d %d" role="img" aria-label="rows per unit">`, svgW, h)
	for i, u := range r.Units {
		y := 5 + i*22
		fmt.Fprintf(&b, `<g class="unit" data-unit="%s"><text x="4" y="%d" class="label">%s</text>`, esc(u.Unit), y+13, esc(u.Unit))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="16" fill="%s"><title>%s rows written</title></rect>`,
			labelW, y, w(u.RowsWritten), palette[2], groupDigits(u.RowsWritten))
		fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="16" fill="%s"><title>%s rows quarantined</title></rect>`,
			float64(labelW)+w(u.RowsWritten), y, w(u.RowsQuarantined), palette[5], groupDigits(u.RowsQuarantined))
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="tick">%s`, float64(labelW)+w(u.RowsWritten+u.RowsQuarantined)+6, y+13, groupDigits(u.RowsWritten))
		if u.RowsQuarantined > 0 {
			fmt.Fprintf(&b, ` + %s quarantined`, groupDigits(u.RowsQuarantined))
		}
		b.WriteString(`</text></g>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

var htmlPage = template.Must(template.New("run").Funcs(template.FuncMap{
	"int": groupDigits,
	"ri":  func(f float64) string { return groupDigits(int64(f)) },
	"mb":  megabytes,
	"f1":  seconds,
	"code": func(e *ErrorInfo) string {
		if e == nil {
			return ""
		}
		return e.Code
	},
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>dpone run {{.R.RunID}}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:24px 0 8px}
.meta{color:#555} .ok{color:#009E73} .failed,.bad{color:#D55E00;font-weight:600}
table{border-collapse:collapse;width:100%} th,td{padding:4px 8px;border-bottom:1px solid #ddd;text-align:right}
th{cursor:pointer;background:#f4f4f4} td:first-child,th:first-child,td.l{text-align:left}
.chart{width:100%;max-width:960px;display:block;border:1px solid #eee}
.label{font-size:12px} .tick{font-size:11px;fill:#555} .axis{stroke:#999}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
g.unit.dim{opacity:.25}
</style></head><body>
<h1>dpone run {{.R.RunID}}</h1>
<div class="meta">manifest <b>{{.R.Manifest}}</b> · status <span class="{{.R.Status}}">{{.R.Status}}</span> ·
started {{.R.StartedAt.Format "2006-01-02 15:04:05Z07:00"}} · {{f1 .R.DurationSeconds}} s ·
{{int .Totals.RowsWritten}} rows written{{if .Totals.RowsQuarantined}} · {{int .Totals.RowsQuarantined}} quarantined{{end}}</div>

<h2>Timeline</h2>
<div class="legend"><span style="background:#0072B2"></span>read<span style="background:#009E73"></span>write<span style="background:#E69F00"></span>commit</div>
{{.Timeline}}

<h2>Throughput over time (rows read per second)</h2>
{{.Throughput}}

<h2>Rows per unit</h2>
<div class="legend"><span style="background:#009E73"></span>written<span style="background:#D55E00"></span>quarantined</div>
{{.Rows}}

<h2>Units</h2>
<table id="units"><thead><tr><th>unit</th><th>status</th><th>mode</th><th>rows read</th><th>rows written</th><th>quarantined</th><th>MB</th><th>seconds</th><th>rows/s</th><th>attempts</th><th>error</th></tr></thead><tbody>
{{range .R.Units}}<tr data-unit="{{.Unit}}"><td>{{.Unit}}</td><td class="{{.Status}}">{{.Status}}</td><td class="l">{{.Mode}}</td><td>{{int .RowsRead}}</td><td>{{int .RowsWritten}}</td><td>{{int .RowsQuarantined}}</td><td>{{mb .Bytes}}</td><td>{{f1 .DurationSeconds}}</td><td>{{ri .RowsPerSecond}}</td><td>{{.Attempts}}</td><td class="l">{{code .Error}}</td></tr>
{{end}}</tbody></table>

{{if .Errors}}<h2>Errors</h2><ul id="errors">
{{range .Errors}}<li><b>{{.Unit}}</b>: <code>{{.Error.Code}}</code> {{.Error.Message}}</li>
{{end}}</ul>{{end}}

<script>
(function () {
  // Hovering a unit anywhere dims the others in every picture.
  var groups = document.querySelectorAll("[data-unit]");
  groups.forEach(function (g) {
    g.addEventListener("mouseenter", function () {
      var u = g.getAttribute("data-unit");
      document.querySelectorAll("g.unit").forEach(function (o) {
        o.classList.toggle("dim", o.getAttribute("data-unit") !== u);
      });
    });
    g.addEventListener("mouseleave", function () {
      document.querySelectorAll("g.unit").forEach(function (o) { o.classList.remove("dim"); });
    });
  });
  // Clicking a column header sorts the table.
  var table = document.getElementById("units");
  table.querySelectorAll("th").forEach(function (th, col) {
    th.addEventListener("click", function () {
      var rows = Array.prototype.slice.call(table.tBodies[0].rows);
      var num = function (s) { return parseFloat(s.replace(/,/g, "")); };
      rows.sort(function (a, b) {
        var x = a.cells[col].textContent, y = b.cells[col].textContent;
        return isNaN(num(x)) ? x.localeCompare(y) : num(y) - num(x);
      });
      rows.forEach(function (r) { table.tBodies[0].appendChild(r); });
    });
  });
  document.body.setAttribute("data-rendered", String(document.querySelectorAll("svg.chart").length));
})();
</script>
</body></html>
`))
