package postgres

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

func TestApplySchema(t *testing.T) {
	cfg, conn := testDB(t)
	t.Cleanup(func() { mustExec(t, conn, "DROP SCHEMA IF EXISTS evo CASCADE") })
	c := New().(*Connector)
	ctx := context.Background()
	table := sdk.TableRef{Namespace: "evo", Name: "t"}
	md := arrow.MetadataFrom(map[string]string{metaMaxLength: "10"})
	create := []sdk.SchemaChange{{Op: sdk.OpCreateTable, Schema: arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int32},
		{Name: "code", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: md},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
	}, nil)}}
	evolve := []sdk.SchemaChange{
		{Op: sdk.OpAddColumn, Field: arrow.Field{Name: "note", Type: arrow.BinaryTypes.String, Nullable: true}},
		{Op: sdk.OpWidenType, Field: arrow.Field{Name: "id", Type: arrow.PrimitiveTypes.Int64}, From: arrow.PrimitiveTypes.Int32},
		{Op: sdk.OpWidenType, Field: arrow.Field{Name: "code", Type: arrow.BinaryTypes.String, Metadata: arrow.MetadataFrom(map[string]string{metaMaxLength: "40"})}},
		{Op: sdk.OpWidenType, Field: arrow.Field{Name: "amount", Type: &arrow.Decimal128Type{Precision: 18, Scale: 2}}},
		{Op: sdk.OpDropNotNull, Field: arrow.Field{Name: "id"}},
	}
	wantCreate := []string{`CREATE SCHEMA IF NOT EXISTS "evo"`, `CREATE TABLE "evo"."t" ("id" integer NOT NULL, "code" varchar(10), "amount" numeric(10,2))`}
	wantEvolve := []string{
		`ALTER TABLE "evo"."t" ADD COLUMN "note" text`,
		`ALTER TABLE "evo"."t" ALTER COLUMN "id" TYPE bigint USING "id"::bigint`,
		`ALTER TABLE "evo"."t" ALTER COLUMN "code" TYPE varchar(40) USING "code"::varchar(40)`,
		`ALTER TABLE "evo"."t" ALTER COLUMN "amount" TYPE numeric(18,2) USING "amount"::numeric(18,2)`,
		`ALTER TABLE "evo"."t" ALTER COLUMN "id" DROP NOT NULL`,
	}

	// Dry run: exact DDL, nothing applied.
	ddl, err := c.ApplySchema(ctx, cfg, table, create, true)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantCreate, ddl); diff != "" {
		t.Errorf("create DDL (-want +got):\n%s", diff)
	}
	if _, _, exists, err := c.DescribeTarget(ctx, cfg, table); err != nil || exists {
		t.Fatalf("after dry run: got exists=%v %v, want absent", exists, err)
	}
	for _, step := range []struct {
		changes []sdk.SchemaChange
		want    []string
	}{{create, wantCreate}, {evolve, wantEvolve}} {
		ddl, err := c.ApplySchema(ctx, cfg, table, step.changes, false)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(step.want, ddl); diff != "" {
			t.Errorf("DDL (-want +got):\n%s", diff)
		}
	}
	s, _, exists, err := c.DescribeTarget(ctx, cfg, table)
	if err != nil || !exists {
		t.Fatalf("describe: %v %v", exists, err)
	}
	var got []string
	for _, f := range s.Fields() {
		n, _ := f.Metadata.GetValue(metaNative)
		got = append(got, f.Name+" "+n+" "+map[bool]string{true: "null", false: "not null"}[f.Nullable])
	}
	want := []string{"id bigint null", "code character varying(40) null", "amount numeric(18,2) null", "note text null"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("target after evolution (-want +got):\n%s", diff)
	}
}

func TestRenderCreateTablePrimaryKey(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "Name", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	got, err := renderDDL("evo", "t", []sdk.SchemaChange{{Op: sdk.OpCreateTable, Schema: s, PrimaryKey: []string{"id", "Name"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`CREATE SCHEMA IF NOT EXISTS "evo"`, `CREATE TABLE "evo"."t" ("id" bigint NOT NULL, "Name" text, PRIMARY KEY ("id", "Name"))`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DDL (-want +got):\n%s", diff)
	}
}
