package mssql

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// existingOrders is the current target ApplySchema reads before it
// restates columns: a NOT NULL nvarchar of a non-default collation, a
// nullable int and a NOT NULL datetime2.
func existingOrders() targetInfo {
	return targetInfo{Exists: true, Columns: []column{
		{Name: "id", Type: "bigint"},
		{Name: "name", Type: "nvarchar", MaxLength: 40, Collation: "Latin1_General_100_CI_AS"},
		{Name: "qty", Type: "int", Nullable: true},
		{Name: "at", Type: "datetime2", Scale: 3},
	}}
}

// TestSchemaDDL pins the DDL of every schema change: create (schema,
// dbo, three-part), add, widen keeping collation and NOT NULL, drop NOT
// NULL restating the current type, and widen + drop NOT NULL as one ALTER.
func TestSchemaDDL(t *testing.T) {
	str := func(n string) arrow.Field {
		return arrow.Field{Name: "name", Type: arrow.BinaryTypes.String, Metadata: arrow.MetadataFrom(map[string]string{sdk.MetaMaxLength: n})}
	}
	create := sdk.SchemaChange{Op: sdk.OpCreateTable, Schema: testSchema(), PrimaryKey: []string{"id", "odd]name"}}
	var parts []string
	for _, tc := range []struct {
		name    string
		ns      string
		changes []sdk.SchemaChange
	}{
		{"create", "sales", []sdk.SchemaChange{create}},
		{"create dbo", "", []sdk.SchemaChange{create}},
		{"create three-part", "crm.sales", []sdk.SchemaChange{create}},
		{"create keyed by an unbounded string", "sales", []sdk.SchemaChange{{Op: sdk.OpCreateTable, Schema: testSchema(), PrimaryKey: []string{"name"}}}},
		{"create scd2 (history columns, no primary key)", "sales", []sdk.SchemaChange{scd2Create()}},
		{"add", "sales", []sdk.SchemaChange{{Op: sdk.OpAddColumn, Field: arrow.Field{Name: "note", Type: arrow.BinaryTypes.String}}}},
		{"widen", "sales", []sdk.SchemaChange{
			{Op: sdk.OpWidenType, Field: str("80"), From: arrow.BinaryTypes.String},
			{Op: sdk.OpWidenType, Field: arrow.Field{Name: "qty", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, From: arrow.PrimitiveTypes.Int32}}},
		{"drop not null", "sales", []sdk.SchemaChange{{Op: sdk.OpDropNotNull, Field: arrow.Field{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true}}}},
		{"widen and drop not null", "sales", []sdk.SchemaChange{
			{Op: sdk.OpWidenType, Field: str("80"), From: arrow.BinaryTypes.String},
			{Op: sdk.OpDropNotNull, Field: arrow.Field{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true}}}},
	} {
		l, err := schemaLoad(sdk.TableRef{Namespace: tc.ns, Name: "orders"})
		if err != nil {
			t.Fatal(err)
		}
		ddl, err := l.renderDDL(tc.changes, existingOrders())
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		parts = append(parts, "-- "+tc.name+"\n"+strings.Join(ddl, "\n"))
	}
	golden(t, "schema_ddl.sql", strings.Join(parts, "\n\n")+"\n\n-- DescribeTarget in crm\n"+catalogSQLIn("crm")+"\n")
}

// TestSchemaDDLRefuses: changes the sink cannot render are coded errors.
func TestSchemaDDLRefuses(t *testing.T) {
	l, err := schemaLoad(sdk.TableRef{Namespace: "sales", Name: "orders"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		ch   sdk.SchemaChange
		want sdk.Code
	}{
		{"create without columns", sdk.SchemaChange{Op: sdk.OpCreateTable, Schema: arrow.NewSchema(nil, nil)}, sdk.CodeSchema},
		{"list column", sdk.SchemaChange{Op: sdk.OpAddColumn, Field: arrow.Field{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32)}}, sdk.CodeSchema},
		{"widen a column that is gone", sdk.SchemaChange{Op: sdk.OpWidenType, Field: arrow.Field{Name: "gone", Type: arrow.PrimitiveTypes.Int64}}, sdk.CodeNotFound},
		{"unknown op", sdk.SchemaChange{Op: sdk.SchemaOp(99)}, sdk.CodeUnsupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := l.renderDDL([]sdk.SchemaChange{tc.ch}, existingOrders())
			if got := sdk.CodeOf(err); got != tc.want {
				t.Fatalf("got %v (%v), want %v", got, err, tc.want)
			}
		})
	}
}

// TestApplySchemaDryRunOffline: a dry run of creates and adds needs no
// server (plans render DDL before any connection), and returns exactly
// what renderDDL renders.
func TestApplySchemaDryRunOffline(t *testing.T) {
	cfg := json.RawMessage(`{"dsn":"sqlserver://u:p@127.0.0.1:1?dial+timeout=1"}`)
	changes := []sdk.SchemaChange{{Op: sdk.OpCreateTable, Schema: testSchema(), PrimaryKey: []string{"id"}},
		{Op: sdk.OpAddColumn, Field: arrow.Field{Name: "note", Type: arrow.BinaryTypes.String}}}
	got, err := (&Connector{}).ApplySchema(context.Background(), cfg, sdk.TableRef{Namespace: "sales", Name: "orders"}, changes, true)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := schemaLoad(sdk.TableRef{Namespace: "sales", Name: "orders"})
	want, _ := l.renderDDL(changes, targetInfo{})
	if diff := cmp.Diff(want, got); diff != "" || len(got) != 3 {
		t.Errorf("dry run DDL (-want +got):\n%s", diff)
	}
	// A widening reads the column first: without a server that is an
	// UNAVAILABLE error, not a guessed definition.
	_, err = (&Connector{}).ApplySchema(context.Background(), cfg, sdk.TableRef{Namespace: "sales", Name: "orders"},
		[]sdk.SchemaChange{{Op: sdk.OpWidenType, Field: arrow.Field{Name: "qty", Type: arrow.PrimitiveTypes.Int64}}}, true)
	if got := sdk.CodeOf(err); got != sdk.CodeUnavailable {
		t.Errorf("widen dry run without a server: got %v (%v), want UNAVAILABLE", got, err)
	}
}

// TestTargetSchema: DescribeTarget reports the source mapping, with no
// length on key columns (SQL Server cannot widen a key column, so plans
// must not try); other columns keep theirs.
func TestTargetSchema(t *testing.T) {
	td := tableDesc{Schema: "sales", Name: "orders", PrimaryKey: []string{"code"}, Columns: []column{
		{Name: "code", Type: "nvarchar", MaxLength: 900},
		{Name: "name", Type: "nvarchar", MaxLength: 160, Nullable: true}, // bytes: 80 characters
		{Name: "geo", Type: "geography", Nullable: true},
	}}
	s, err := td.targetSchema()
	if err != nil {
		t.Fatal(err)
	}
	if s.NumFields() != 2 {
		t.Fatalf("got %d fields (%v), want code and name (geography is left out)", s.NumFields(), s)
	}
	if got := maxLength(s.Field(0)); got != 0 {
		t.Errorf("key column code: max length %d, want none", got)
	}
	if got := maxLength(s.Field(1)); got != 80 {
		t.Errorf("column name: max length %d, want 80", got)
	}
	if got := s.Field(0).Metadata.FindKey(sdk.MetaNative); got < 0 {
		t.Errorf("key column code lost its native type: %v", s.Field(0).Metadata)
	}
}
