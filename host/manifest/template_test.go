package manifest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTemplates(t *testing.T) {
	tests := []struct {
		name  string
		vars  string // YAML flow mapping for the top-level vars
		field string // a unit field to read back
		tmpl  string // value placed in sink.options.x
		want  any
		err   string
	}{
		{name: "builtins", tmpl: "{{ src_schema }}__{{ src_table }}", want: "Sales__Orders"},
		{name: "filters", tmpl: "{{ src_schema | lower }}.{{ src_table | upper }}", want: "sales.ORDERS"},
		{name: "replace filter", tmpl: `{{ src_table | replace("O", "0") }}`, want: "0rders"},
		{name: "manifest id and unit id", tmpl: "{{ manifest_id }}/{{ unit_id }}", want: "m/Sales.Orders"},
		{name: "vars chain", vars: "{a: '{{ b }}!', b: '{{ c }}?', c: '{{ src_table }}'}", tmpl: "{{ a }}", want: "Orders?!"},
		{name: "nested var maps", vars: "{db: {host: h1, port: 5}}", tmpl: "{{ db.host }}:{{ db.port + 1 }}", want: "h1:6"},
		{name: "control structures", vars: "{cols: [a, b]}", tmpl: "{% for c in cols %}{{ c }}{% if not loop.last %},{% endif %}{% endfor %}", want: "a,b"},
		{name: "non-strings are left alone", field: "sink.options.n", want: 3},
		{name: "plain strings are untouched", tmpl: "no {braces} here\n", want: "no {braces} here\n"},
		{name: "chains settle", vars: "{a: '{{ b }}', b: '{{ c }}', c: '{{ d }}', d: '{{ e }}', e: '{{ f }}', f: ok}", tmpl: "{{ a }}", want: "ok"},
		{name: "very long chains do not", vars: chain(64), tmpl: "{{ v0 }}",
			err: `m.yaml:3: unit Sales.Orders: vars.v0: template "{{ v1 }}" does not settle after 5 passes (does it refer to itself?)`},
		{name: "undefined attribute", vars: "{db: {host: h1}}", tmpl: "{{ db.hots }}",
			err: `m.yaml:8: unit Sales.Orders: sink.options.x: template "{{ db.hots }}": attribute 'hots' not found`},
		{name: "include is refused", tmpl: `{% include "x.sql" %}`,
			err: `m.yaml:8: unit Sales.Orders: sink.options.x: template "{% include \"x.sql\" %}"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := tt.vars
			if vars == "" {
				vars = "{}"
			}
			src := `kind: dpone.batch.v1
metadata: {id: m}
vars: ` + vars + `
defaults:
  source: {type: file}
  sink:
    type: duckdb
    options: {x: ` + quote(tt.tmpl) + `, n: 3}
schemas:
  Sales:
    tables: [Orders]
`
			m, err := Parse([]byte(src), "m.yaml", MapEnv(nil))
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("got %v, want %s", err, tt.err)
				}
				if !errors.Is(err, ErrTemplate) {
					t.Errorf("got %v, want errors.Is ErrTemplate", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			field := tt.field
			if field == "" {
				field = "sink.options.x"
			}
			got, _, err := m.Units[0].Explain(field)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("rendered (-want +got):\n%s", diff)
			}
		})
	}
}

// chain returns vars v0..v(n-1), each naming the next, the last "end".
func chain(n int) string {
	parts := make([]string, n)
	for i := range n - 1 {
		parts[i] = fmt.Sprintf("v%d: '{{ v%d }}'", i, i+1)
	}
	parts[n-1] = fmt.Sprintf("v%d: end", n-1)
	return "{" + strings.Join(parts, ", ") + "}"
}

// quote writes s as a YAML double-quoted scalar.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
