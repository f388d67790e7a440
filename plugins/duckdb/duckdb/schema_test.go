package duckdb

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

func TestApplySchema(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	table := sdk.TableRef{Namespace: "dw", Name: "t"}
	create := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int32},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
		{Name: "doc", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: meta(metaLogical, logicalJSON)},
	}, nil)
	changes := []sdk.SchemaChange{{Op: sdk.OpCreateTable, Schema: create}}
	wantDDL := []string{`CREATE SCHEMA IF NOT EXISTS "dw"`, `CREATE TABLE "dw"."t" ("id" INTEGER NOT NULL, "amount" DECIMAL(10,2), "doc" JSON)`}
	ddl, err := f.c.ApplySchema(ctx, f.cfg, table, changes, true)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantDDL, ddl); diff != "" {
		t.Errorf("dry-run DDL (-want +got):\n%s", diff)
	}
	if _, _, exists, err := f.c.DescribeTarget(ctx, f.cfg, table); err != nil || exists {
		t.Fatalf("after dry run: exists=%v err=%v, want absent", exists, err)
	}
	if _, err := f.c.ApplySchema(ctx, f.cfg, table, changes, false); err != nil {
		t.Fatal(err)
	}

	evolve := []sdk.SchemaChange{
		{Op: sdk.OpAddColumn, Field: arrow.Field{Name: "note", Type: arrow.BinaryTypes.String, Nullable: true}},
		{Op: sdk.OpWidenType, Field: arrow.Field{Name: "id", Type: arrow.PrimitiveTypes.Int64}, From: arrow.PrimitiveTypes.Int32},
		{Op: sdk.OpWidenType, Field: arrow.Field{Name: "amount", Type: &arrow.Decimal128Type{Precision: 18, Scale: 2}}},
		{Op: sdk.OpDropNotNull, Field: arrow.Field{Name: "id"}},
	}
	ddl, err = f.c.ApplySchema(ctx, f.cfg, table, evolve, false)
	if err != nil {
		t.Fatal(err)
	}
	wantDDL = []string{
		`ALTER TABLE "dw"."t" ADD COLUMN "note" VARCHAR`,
		`ALTER TABLE "dw"."t" ALTER COLUMN "id" SET DATA TYPE BIGINT`,
		`ALTER TABLE "dw"."t" ALTER COLUMN "amount" SET DATA TYPE DECIMAL(18,2)`,
		`ALTER TABLE "dw"."t" ALTER COLUMN "id" DROP NOT NULL`,
	}
	if diff := cmp.Diff(wantDDL, ddl); diff != "" {
		t.Errorf("DDL (-want +got):\n%s", diff)
	}
	s, pk, exists, err := f.c.DescribeTarget(ctx, f.cfg, table)
	if err != nil || !exists {
		t.Fatalf("DescribeTarget: exists=%v err=%v", exists, err)
	}
	if len(pk) != 0 {
		t.Errorf("got primary key %v, want none", pk)
	}
	type col struct {
		Name, Type, Native, Logical string
		Nullable                    bool
	}
	var got []col
	for _, fl := range s.Fields() {
		n, _ := fl.Metadata.GetValue(metaNative)
		l, _ := fl.Metadata.GetValue(metaLogical)
		got = append(got, col{fl.Name, fl.Type.String(), n, l, fl.Nullable})
	}
	want := []col{
		{"id", "int64", "BIGINT", "", true},
		{"amount", "decimal(18, 2)", "DECIMAL(18,2)", "", true},
		{"doc", "utf8", "JSON", "json", true},
		{"note", "utf8", "VARCHAR", "", true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("described schema (-want +got):\n%s", diff)
	}
}

func TestParseNative(t *testing.T) {
	tests := []struct {
		in   string
		want string
		scan string
	}{
		{"BIGINT", "int64", "BIGINT"},
		{"DECIMAL(38,10)", "decimal(38, 10)", "DECIMAL(38,10)"},
		{"TIMESTAMP WITH TIME ZONE", "timestamp[us, tz=UTC]", "TIMESTAMPTZ"},
		{"TIMESTAMP_NS", "timestamp[ns]", "TIMESTAMP_NS"},
		{"UUID[]", "list<item: utf8, nullable>", "VARCHAR[]"},
		{"INTEGER[3]", "list<item: int32, nullable>", "INTEGER[]"},
		{`STRUCT(a INTEGER, "b c" VARCHAR[])`, "struct<a: int32 nullable, b c: list<item: utf8, nullable> nullable>", `STRUCT("a" INTEGER, "b c" VARCHAR[])`},
		{"MAP(VARCHAR, DOUBLE)", "map<utf8, float64, items_nullable>", "MAP(VARCHAR, DOUBLE)"},
		{"ENUM('a', 'b')", "utf8", "VARCHAR"},
		{"HUGEINT", "decimal(38, 0)", "DECIMAL(38,0)"},
		{"INTERVAL", "month_day_nano_interval", "INTERVAL"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			nt, err := parseNative(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := nt.dt.String(); got != tt.want {
				t.Errorf("type: got %s, want %s", got, tt.want)
			}
			if nt.scan != tt.scan {
				t.Errorf("scan: got %s, want %s", nt.scan, tt.scan)
			}
		})
	}
}

func TestRenderCreateTablePrimaryKey(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "Name", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	got, err := renderDDL(typeMapper{jsonType: "JSON"}, "dw", "t", []sdk.SchemaChange{{Op: sdk.OpCreateTable, Schema: s, PrimaryKey: []string{"id", "Name"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`CREATE SCHEMA IF NOT EXISTS "dw"`, `CREATE TABLE "dw"."t" ("id" BIGINT NOT NULL, "Name" VARCHAR, PRIMARY KEY ("id", "Name"))`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DDL (-want +got):\n%s", diff)
	}
}
