package clickhouse

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// TestApplySchema: add_column, widen_type and drop_not_null render as
// ALTER TABLE, a dry run changes nothing, the applied target takes a
// load in the new shape, and applying again changes nothing.
func TestApplySchema(t *testing.T) {
	f := newFixture(t)
	v1 := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "qty", Type: arrow.PrimitiveTypes.Int32},
		{Name: "price", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
		{Name: "tag", Type: arrow.BinaryTypes.String},
	}, nil)
	r := f.req("evolve-1", "evolved", sdk.ModeFullRefresh, v1, "id")
	r.Options = []byte(`{"low_cardinality":["tag"]}`)
	f.stage(r)
	if _, err := f.c.CommitLoad(f.ctx, r, nil); err != nil {
		t.Fatal(err)
	}
	table := sdk.TableRef{Namespace: testDB, Name: "evolved"}
	changes := []sdk.SchemaChange{
		{Op: sdk.OpAddColumn, Field: arrow.Field{Name: "note", Type: arrow.BinaryTypes.String}},
		{Op: sdk.OpWidenType, Field: arrow.Field{Name: "qty", Type: arrow.PrimitiveTypes.Int64}, From: arrow.PrimitiveTypes.Int32},
		{Op: sdk.OpWidenType, Field: arrow.Field{Name: "price", Type: &arrow.Decimal128Type{Precision: 14, Scale: 2}, Nullable: true}, From: &arrow.Decimal128Type{Precision: 10, Scale: 2}},
		{Op: sdk.OpDropNotNull, Field: arrow.Field{Name: "tag", Type: arrow.BinaryTypes.String, Nullable: true}},
	}
	target := qualified(testDB, "evolved")
	want := []string{
		"ALTER TABLE " + target + " ADD COLUMN IF NOT EXISTS `note` Nullable(String)",
		"ALTER TABLE " + target + " MODIFY COLUMN `qty` Int64",
		"ALTER TABLE " + target + " MODIFY COLUMN `price` Nullable(Decimal(14, 2))",
		"ALTER TABLE " + target + " MODIFY COLUMN `tag` LowCardinality(Nullable(String))",
	}
	ddl, err := f.c.ApplySchema(f.ctx, f.cfg, table, changes, true)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, ddl); d != "" {
		t.Errorf("dry-run DDL (-want +got):\n%s", d)
	}
	types := func() string {
		var s string
		f.scalar(fmt.Sprintf("SELECT arrayStringConcat(groupArray(name || ' ' || type), ', ') FROM system.columns WHERE database = '%s' AND table = 'evolved'", testDB), &s)
		return s
	}
	before := "id Int64, qty Int32, price Nullable(Decimal(10, 2)), tag LowCardinality(String)"
	if got := types(); got != before {
		t.Errorf("columns after a dry run: got %s, want %s", got, before)
	}
	for range 2 { // applying again changes nothing
		if ddl, err = f.c.ApplySchema(f.ctx, f.cfg, table, changes, false); err != nil {
			t.Fatal(err)
		}
	}
	after := "id Int64, qty Int64, price Nullable(Decimal(14, 2)), tag LowCardinality(Nullable(String)), note Nullable(String)"
	if got := types(); got != after {
		t.Errorf("columns after apply: got %s, want %s", got, after)
	}
	v2 := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "qty", Type: arrow.PrimitiveTypes.Int64},
		{Name: "note", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	r2 := f.req("evolve-2", "evolved", sdk.ModeAppend, v2)
	f.stage(r2)
	if _, err := f.c.CommitLoad(f.ctx, r2, nil); err != nil {
		t.Errorf("a load in the evolved shape: %v", err)
	}
}

// TestApplySchemaRefuses: create_table (the sink creates its targets),
// a Nullable sorting key and a change ClickHouse refuses are errors that
// say what to do, and change nothing.
func TestApplySchemaRefuses(t *testing.T) {
	f := newFixture(t)
	f.load(f.req("refuse-1", "refused", sdk.ModeMerge, idNameSchema, "id"), idNameRecord(t, 1, "a"))
	table := sdk.TableRef{Namespace: testDB, Name: "refused"}
	for _, tc := range []struct {
		name   string
		change sdk.SchemaChange
		code   sdk.Code
		dry    bool
		say    string
	}{
		{"create_table", sdk.SchemaChange{Op: sdk.OpCreateTable, Schema: idNameSchema}, sdk.CodeUnsupported, true, "creates absent targets itself"},
		{"nullable key", sdk.SchemaChange{Op: sdk.OpDropNotNull, Field: arrow.Field{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, sdk.CodeSchema, true, "sorting key"},
		{"key type", sdk.SchemaChange{Op: sdk.OpWidenType, Field: arrow.Field{Name: "id", Type: arrow.BinaryTypes.String}, From: arrow.PrimitiveTypes.Int64}, sdk.CodeSchema, false, "full_refresh"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.c.ApplySchema(f.ctx, f.cfg, table, []sdk.SchemaChange{tc.change}, tc.dry)
			if sdk.CodeOf(err) != tc.code || err == nil || !strings.Contains(err.Error(), tc.say) {
				t.Errorf("got %v, want a %v error saying %q", err, tc.code, tc.say)
			}
		})
	}
	if d := cmp.Diff([][]any{row(1, "a")}, f.idNames("refused")); d != "" {
		t.Errorf("target (-want +got):\n%s", d)
	}
}
