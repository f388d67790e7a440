package dag

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func TestRender(t *testing.T) {
	g := build("public.customers", "public.customers>public.orders", "public.products>public.order_items",
		"public.orders>public.order_items", `odd"name`)
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			got, err := g.Render(format)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "render."+format+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
	if _, err := g.Render("svg"); err == nil {
		t.Error("got nil error for format svg, want one")
	}
	if _, err := build("a>b", "b>a").Render("text"); err == nil {
		t.Error("got nil error for a cyclic graph, want one")
	}
}
