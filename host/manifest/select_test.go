package manifest

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ids(us []*Unit) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.ID)
	}
	return out
}

func TestSelect(t *testing.T) {
	m := loadLayering(t) // ref.currencies, ref.countries, sales.Invoices, lines (= sales.invoice_lines)
	tests := []struct {
		name               string
		selectors, exclude []string
		want               []string
		err                string
	}{
		{name: "all", want: []string{"ref.currencies", "ref.countries", "sales.Invoices", "lines"}},
		{name: "schema.table", selectors: []string{"sales.invoice_lines"}, want: []string{"lines"}},
		{name: "id", selectors: []string{"lines"}, want: []string{"lines"}},
		{name: "hash prefix", selectors: []string{"#ref.countries"}, want: []string{"ref.countries"}},
		{name: "glob keeps manifest order", selectors: []string{"sales.*", "ref.c*"}, want: []string{"ref.currencies", "ref.countries", "sales.Invoices", "lines"}},
		{name: "glob over tables", selectors: []string{"*.invoice*"}, want: []string{"lines"}},
		{name: "exclude", selectors: []string{"ref.*"}, exclude: []string{"ref.countries"}, want: []string{"ref.currencies"}},
		{name: "exclude only", exclude: []string{"sales.*"}, want: []string{"ref.currencies", "ref.countries"}},
		{name: "tag", selectors: []string{"tag:nightly"}, want: []string{"ref.currencies", "ref.countries", "sales.Invoices", "lines"}},
		{name: "unknown with suggestion", selectors: []string{"sales.invoices_lines"}, err: `unknown selector: "sales.invoices_lines" matches no unit (did you mean "sales.invoice_lines"?)`},
		{name: "unknown glob", selectors: []string{"hr.*"}, err: `unknown selector: "hr.*" matches no unit`},
		{name: "bad glob", selectors: []string{"ref.[a"}, err: `unknown selector: bad glob "ref.[a": syntax error in pattern`},
		{name: "unknown tag", selectors: []string{"tag:hourly"}, err: `unknown selector: "tag:hourly" matches no unit`},
		{name: "unknown exclude", exclude: []string{"ref.currency"}, err: `exclude: unknown selector: "ref.currency" matches no unit (did you mean "ref.currencies"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := m.Select(tt.selectors, tt.exclude)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("got %v, want %s", err, tt.err)
				}
				if !errors.Is(err, ErrSelector) {
					t.Errorf("got %v, want errors.Is ErrSelector", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ids(got)); diff != "" {
				t.Errorf("selected (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGraph(t *testing.T) {
	m := loadLayering(t)
	out, err := m.Graph().Render("text")
	if err != nil {
		t.Fatal(err)
	}
	want := "ref.currencies\nref.countries\nsales.Invoices <- ref.currencies, ref.countries\nlines <- ref.currencies, ref.countries, sales.Invoices\n"
	if out != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
	sel, err := m.Select([]string{"sales.*"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := GraphOf(sel)
	if diff := cmp.Diff([]string{"sales.Invoices"}, g.Deps("lines")); diff != "" {
		t.Errorf("deps inside the selection (-want +got):\n%s", diff)
	}
}

func TestSharedDependencySkipsSelf(t *testing.T) {
	src := `kind: dpone.batch.v1
metadata: {id: m}
defaults:
  source: {type: file}
  sink: {type: duckdb}
schemas:
  raw:
    tables: [a, b]
  mart:
    defaults: {depends_on: ["raw.a", "mart.base"]}
    tables:
      - base
      - table: facts
        depends_on: raw.b
`
	m, err := Parse([]byte(src), "m.yaml", MapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string][]string{
		"mart.base":  {"raw.a"}, // the inherited self-reference is dropped
		"mart.facts": {"mart.base", "raw.a", "raw.b"},
	}
	for id, want := range tests {
		if diff := cmp.Diff(want, unitByID(t, m, id).Needs); diff != "" {
			t.Errorf("%s needs (-want +got):\n%s", id, diff)
		}
	}
}
