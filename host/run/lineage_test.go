package run

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector/v1convert"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/plan"
)

// TestSourceLineage: source columns named like the lineage columns (the
// defaults or renamed ones) are dropped from the schema and from every
// batch, with a warning; lineage: false keeps them.
func TestSourceLineage(t *testing.T) {
	as := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "_dpone_run_id", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "batch_id", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	s, err := v1convert.SchemaFromArrow(as)
	if err != nil {
		t.Fatal(err)
	}
	unit := func(lineage any) *manifest.Unit {
		u := &manifest.Unit{ID: "u", Sink: manifest.Endpoint{Options: map[string]any{}}}
		if lineage != nil {
			u.Sink.Options["lineage"] = lineage
		}
		return u
	}
	tests := []struct {
		name    string
		u       *manifest.Unit
		dropped []string
		kept    []string
	}{
		{"default names", unit(nil), []string{"_dpone_run_id"}, []string{"id", "batch_id"}},
		{"renamed", unit(map[string]any{"run_id_column": "batch_id"}), []string{"batch_id"}, []string{"id", "_dpone_run_id"}},
		{"lineage off", unit(false), nil, []string{"id", "_dpone_run_id", "batch_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			names, warning, err := plan.SourceLineage(tt.u, s.GetFields())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.dropped, names); diff != "" {
				t.Errorf("dropped (-want +got):\n%s", diff)
			}
			if (warning != "") != (len(tt.dropped) > 0) || (warning != "" && !strings.Contains(warning, "replaced by this load's run id")) {
				t.Errorf("got warning %q", warning)
			}
			out, err := plan.WithoutFields(s, names)
			if err != nil {
				t.Fatal(err)
			}
			back, err := v1convert.ArrowSchema(out)
			if err != nil {
				t.Fatal(err)
			}
			var got, gotArrow []string
			for _, f := range out.GetFields() {
				got = append(got, f.GetName())
			}
			for _, f := range back.Fields() {
				gotArrow = append(gotArrow, f.Name)
			}
			if diff := cmp.Diff(tt.kept, got); diff != "" {
				t.Errorf("schema fields (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.kept, gotArrow); diff != "" {
				t.Errorf("arrow schema (-want +got):\n%s", diff)
			}
			b := array.NewRecordBuilder(memory.DefaultAllocator, as)
			defer b.Release()
			b.Field(0).(*array.Int64Builder).Append(1)
			b.Field(1).(*array.StringBuilder).Append("upstream")
			b.Field(2).(*array.StringBuilder).Append("b")
			rec := b.NewRecordBatch()
			defer rec.Release()
			enc, err := v1convert.EncodeBatch(rec)
			if err != nil {
				t.Fatal(err)
			}
			tr := &transformer{drop: names}
			if tr.active() != (len(names) > 0) {
				t.Fatalf("transformer active: got %v with drop %v", tr.active(), names)
			}
			if !tr.active() {
				return
			}
			res, _, err := tr.apply(t.Context(), catalog.Batch{ArrowIPC: enc, Rows: 1})
			if err != nil {
				t.Fatal(err)
			}
			dec, err := v1convert.DecodeBatch(res.ArrowIPC)
			if err != nil {
				t.Fatal(err)
			}
			defer dec.Release()
			var cols []string
			for _, f := range dec.Schema().Fields() {
				cols = append(cols, f.Name)
			}
			if diff := cmp.Diff(tt.kept, cols); diff != "" {
				t.Errorf("batch columns (-want +got):\n%s", diff)
			}
		})
	}
}
