package bigquery

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"
	bq "google.golang.org/api/bigquery/v2"

	"github.com/dpone-go/dpone/sdk"
)

// TestApplySchemaForPlansCreate: plan's dry-run create_table for an
// absent target answers with the statements the load runs (the CREATE
// BeginLoad runs first); a create that is not a dry run, or belongs to no
// load, is refused (the sink creates its targets itself).
func TestApplySchemaForPlansCreate(t *testing.T) {
	l := testLoad(t, sdk.ModeMerge, sdk.Strategy{UniqueKey: []string{"id"}}, `{"partition":{"field":"day"},"cluster_by":["id"],"labels":{"team":"data"}}`)
	run, err := l.targetDDL()
	if err != nil {
		t.Fatal(err)
	}
	for_ := l.req
	for_.LoadID, for_.Schema = "", nil
	req := sdk.SchemaRequest{Config: l.req.Config, Table: l.req.Target, DryRun: true, For: for_,
		Changes: []sdk.SchemaChange{{Op: sdk.OpCreateTable, Schema: hostCreateSchema(l), PrimaryKey: []string{"id"}}}}
	ddl, err := (&Connector{}).ApplySchemaFor(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(ddl) != 3 || ddl[0] != run || !strings.HasPrefix(ddl[1], "-- load job _dpone_stg_<load_id>_load") || !strings.HasPrefix(ddl[2], "-- publish: ") {
		t.Errorf("plan: got %q, want the CREATE BeginLoad runs:\n%s\nthen the load job and the publish", ddl, run)
	}
	req.DryRun = false
	if _, err := (&Connector{}).ApplySchemaFor(context.Background(), req); sdk.CodeOf(err) != sdk.CodeUnsupported {
		t.Errorf("create_table applied: got %v, want UNSUPPORTED", err)
	}
	req.DryRun, req.For = true, sdk.LoadRequest{}
	if _, err := (&Connector{}).ApplySchemaFor(context.Background(), req); sdk.CodeOf(err) != sdk.CodeUnsupported {
		t.Errorf("create_table for no load: got %v, want UNSUPPORTED", err)
	}
}

// TestAlterStatements renders schema changes to an existing target; a
// widening BigQuery stores in the same type needs no statement, one it
// cannot make is a SCHEMA error naming what to do.
func TestAlterStatements(t *testing.T) {
	jsonMeta := arrow.NewMetadata([]string{sdk.MetaLogical}, []string{sdk.LogicalJSON})
	ns := &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}
	us := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	changes := []sdk.SchemaChange{
		{Op: sdk.OpAddColumn, Field: arrow.Field{Name: "doc", Type: arrow.BinaryTypes.String, Metadata: jsonMeta}},
		{Op: sdk.OpAddColumn, Field: arrow.Field{Name: "who", Type: arrow.StructOf(arrow.Field{Name: "n", Type: arrow.PrimitiveTypes.Int32, Nullable: true})}},
		{Op: sdk.OpDropNotNull, Field: arrow.Field{Name: "qty", Type: arrow.PrimitiveTypes.Int64, Nullable: true}},
		{Op: sdk.OpWidenType, Field: arrow.Field{Name: "qty", Type: arrow.PrimitiveTypes.Int64}, From: arrow.PrimitiveTypes.Int32},
		{Op: sdk.OpWidenType, Field: arrow.Field{Name: "at", Type: ns}, From: us},
		{Op: sdk.OpWidenType, Field: arrow.Field{Name: "big", Type: &arrow.Decimal128Type{Precision: 38, Scale: 0}}, From: arrow.PrimitiveTypes.Int64},
		{Op: sdk.OpWidenType, Field: arrow.Field{Name: "amount", Type: &arrow.Decimal256Type{Precision: 50, Scale: 9}}, From: &arrow.Decimal128Type{Precision: 38, Scale: 9}},
	}
	ddl, err := alterStatements("`p.d.t`", changes)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"ALTER TABLE `p.d.t` ADD COLUMN IF NOT EXISTS `doc` JSON",
		"ALTER TABLE `p.d.t` ADD COLUMN IF NOT EXISTS `who` STRUCT<`n` INT64>",
		"ALTER TABLE `p.d.t` ALTER COLUMN `qty` DROP NOT NULL",
		"ALTER TABLE `p.d.t` ALTER COLUMN `big` SET DATA TYPE BIGNUMERIC",
		"ALTER TABLE `p.d.t` ALTER COLUMN `amount` SET DATA TYPE BIGNUMERIC",
	}
	if diff := cmp.Diff(want, ddl); diff != "" {
		t.Errorf("ddl (-want +got):\n%s", diff)
	}
	_, err = alterStatements("`p.d.t`", []sdk.SchemaChange{{Op: sdk.OpWidenType, Field: arrow.Field{Name: "day", Type: us}, From: arrow.FixedWidthTypes.Date32}})
	if sdk.CodeOf(err) != sdk.CodeSchema || !strings.Contains(err.Error(), "on_type_change: new_column") {
		t.Errorf("DATE to TIMESTAMP: got %v, want SCHEMA naming on_type_change", err)
	}
}

// TestTargetSchema: a described target keeps a parameterized decimal's
// precision and scale (NUMERIC alone is decimal(38,9)).
func TestTargetSchema(t *testing.T) {
	s := targetSchema(&bq.TableSchema{Fields: []*bq.TableFieldSchema{
		{Name: "a", Type: "NUMERIC", Precision: 12, Scale: 2},
		{Name: "b", Type: "NUMERIC"},
		{Name: "c", Type: "BIGNUMERIC", Precision: 50, Scale: 10, Mode: "REQUIRED"},
		{Name: "d", Type: "INTEGER"},
	}})
	want := []string{"decimal(12, 2)", "decimal(38, 9)", "decimal256(50, 10)", "int64"}
	for i, f := range s.Fields() {
		if got := f.Type.String(); got != want[i] {
			t.Errorf("%s: got %s, want %s", f.Name, got, want[i])
		}
	}
	if s.Field(2).Nullable {
		t.Error("REQUIRED column described nullable")
	}
}

// TestSinkOptionsSchema: the spec publishes the sink options the sink
// decodes, partition's keys included, so plan refuses an unknown or
// mistyped key before any I/O.
func TestSinkOptionsSchema(t *testing.T) {
	type obj struct {
		Properties           map[string]json.RawMessage `json:"properties"`
		AdditionalProperties bool                       `json:"additionalProperties"`
	}
	var doc obj
	if err := json.Unmarshal([]byte(New().Spec().SinkOptionsSchema), &doc); err != nil {
		t.Fatalf("sink options schema %q: %v", New().Spec().SinkOptionsSchema, err)
	}
	var keys []string
	for k := range doc.Properties {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"cluster_by", "column_descriptions", "description", "labels", "partition", "write_api"}
	if diff := cmp.Diff(want, keys); diff != "" || doc.AdditionalProperties {
		t.Errorf("keys (-want +got):\n%s\nadditional properties %v, want false", diff, doc.AdditionalProperties)
	}
	var part obj
	if err := json.Unmarshal(doc.Properties["partition"], &part); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"field", "granularity", "range", "expiration_days"} {
		if _, ok := part.Properties[k]; !ok {
			t.Errorf("partition lacks %s: %s", k, doc.Properties["partition"])
		}
	}
}
