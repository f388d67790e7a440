package manifest

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func loadLayering(t *testing.T) *Manifest {
	t.Helper()
	m, err := Load("testdata/layering.yaml", MapEnv(testEnv))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func unitByID(t *testing.T, m *Manifest, id string) *Unit {
	t.Helper()
	for _, u := range m.Units {
		if u.ID == id {
			return u
		}
	}
	t.Fatalf("no unit %q", id)
	return nil
}

// TestLayeringPrecedence walks every layer of testdata/layering.yaml.
func TestLayeringPrecedence(t *testing.T) {
	m := loadLayering(t)
	tests := []struct {
		unit, field string
		value       any
		layer       string
	}{
		{"ref.currencies", "vars.src_schema", "ref", "builtin"},
		{"ref.currencies", "vars.src_system", "ERP", "vars"},
		{"ref.currencies", "vars.target", "raw__erp__prod", "vars"},
		{"ref.currencies", "source.type", "postgres", "defaults"}, // through a YAML merge key
		{"ref.currencies", "sink.strategy.mode", "full_refresh", "schemas.ref.defaults"},
		{"ref.currencies", "sink.strategy.unique_key", []any{"id"}, "defaults"},
		{"ref.currencies", "sink.strategy.deletes", "soft", "defaults"},
		{"ref.currencies", "sink.table.schema", "raw__erp__prod", "naming"},
		{"ref.currencies", "source.table.name", "currencies", "builtin"},
		{"ref.currencies", "process_name", "erp:ref.currencies", "naming"},
		{"sales.Invoices", "vars.env", "staging", "schemas.sales.defaults"},
		{"sales.Invoices", "vars.target", "raw__erp__staging", "vars"}, // rendered after layering
		{"sales.Invoices", "sink.table.name", "sales__invoices", "naming"},
		{"sales.Invoices", "sink.strategy.mode", "incremental_merge", "defaults"},
		{"sales.Invoices", "source.options.incremental_column", "modified_at", "schemas.sales.defaults"},
		{"sales.Invoices", "source.options.incremental_strategy", "column", "defaults"}, // maps deep-merge
		{"sales.Invoices", "depends_on", []any{"ref.*"}, "schemas.sales.defaults"},
		{"lines", "id", "lines", "schemas.sales.tables[1]"},
		{"lines", "vars.src_system", "Legacy", "schemas.sales.tables[1].vars"},
		{"lines", "sink.table.schema", "raw__legacy__staging", "naming"},
		{"lines", "sink.table.name", "lines_v2", "schemas.sales.tables[1].overrides"},                              // explicit beats naming
		{"lines", "sink.strategy.unique_key", []any{"invoice_id", "line_no"}, "schemas.sales.tables[1].overrides"}, // lists replace
		{"lines", "schema_contract.enforcement", "strict", "schemas.sales.tables[1].overrides"},
		{"lines", "schema_contract.columns.id.nullable", false, "defaults"},
		{"lines", "depends_on", []any{"ref.*", "sales.Invoices"}, "schemas.sales.defaults, schemas.sales.tables[1]"}, // appends
		{"lines", "source.config.dsn", "postgres://legacy@legacy/erp", "schemas.sales.tables[1].overrides"},
		{"lines", "source.params.dsn", "postgres://legacy@legacy/erp", "schemas.sales.tables[1].overrides"},
		{"ref.currencies", "source.config.dsn", "postgres://loader:***@db.internal:5432/erp", "connections.erp_pg"},
		{"ref.currencies", "sink.config.path", "./warehouse.duckdb", "env"},
		{"ref.currencies", "sink.strategy", map[string]any{"mode": "full_refresh", "unique_key": []any{"id"}, "deletes": "soft"}, "defaults, schemas.ref.defaults"},
	}
	for _, tt := range tests {
		t.Run(tt.unit+" "+tt.field, func(t *testing.T) {
			v, layer, err := unitByID(t, m, tt.unit).Explain(tt.field)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.value, v); diff != "" {
				t.Errorf("value (-want +got):\n%s", diff)
			}
			if layer != tt.layer {
				t.Errorf("got layer %q, want %q", layer, tt.layer)
			}
		})
	}
}

func TestLayeringTypedFields(t *testing.T) {
	m := loadLayering(t)
	lines := unitByID(t, m, "lines")
	if diff := cmp.Diff(Strategy{Mode: "incremental_merge", UniqueKey: []string{"invoice_id", "line_no"}, Extra: map[string]any{"deletes": "soft"}}, lines.Sink.Strategy); diff != "" {
		t.Errorf("strategy (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"ref.countries", "ref.currencies", "sales.Invoices"}, lines.Needs); diff != "" {
		t.Errorf("needs (-want +got):\n%s", diff)
	}
	if got, want := lines.Source.ConnectionType, "params"; got != want {
		t.Errorf("got connection type %q, want %q", got, want)
	}
	cur := unitByID(t, m, "ref.currencies")
	if got, want := cur.Source.Config["note"], any(nil); got != want {
		t.Errorf("got %v, want %v", got, want)
	}
	if got, want := cur.Source.Config["application_name"], "dpone-${literal}"; got != want {
		t.Errorf("got application_name %q, want %q ($$ escapes $)", got, want)
	}
	if got, want := cur.Source.Options["batch_bytes"], any(1048576); got != want {
		t.Errorf("got batch_bytes %#v, want %#v (numbers keep their type)", got, want)
	}
}

func TestExplainErrors(t *testing.T) {
	u := unitByID(t, loadLayering(t), "lines")
	_, _, err := u.Explain("sink.strategy.mdoe")
	if want := `unit lines has no field "sink.strategy.mdoe" (did you mean "sink.strategy.mode"?)`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	if _, _, err := u.Explain("nothing.like.it.at.all"); err == nil || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("got %v, want an error without a suggestion", err)
	}
	o := u.Origins()
	o["id"] = "changed"
	if _, layer, _ := u.Explain("id"); layer == "changed" {
		t.Error("Origins returned the unit's own map, want a copy")
	}
}
