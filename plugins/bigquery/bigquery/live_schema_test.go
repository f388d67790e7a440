package bigquery

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	bq "google.golang.org/api/bigquery/v2"

	"github.com/dpone-go/dpone/sdk"
)

// TestLiveApplySchema evolves an existing target as run does: a new
// column is added (nullable), a REQUIRED column becomes nullable, and
// DescribeTarget shows both; applying the same changes again changes
// nothing.
func TestLiveApplySchema(t *testing.T) {
	cfg := liveConfig(t)
	if cfg.Endpoint != "" {
		t.Skip("emulator gap: goccy/bigquery-emulator v0.6.6 refuses ALTER TABLE (\"Statement not supported: AlterTableStatement\"): run against a real project")
	}
	raw, _ := json.Marshal(cfg)
	ctx := context.Background()
	cl, err := connect(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	name := "evolve_" + newWriterID()
	tbl := &bq.Table{TableReference: &bq.TableReference{ProjectId: cfg.Project, DatasetId: cfg.Dataset, TableId: name},
		Schema: &bq.TableSchema{Fields: []*bq.TableFieldSchema{{Name: "id", Type: "INTEGER", Mode: "REQUIRED"}}}}
	if _, err := cl.bq.Tables.Insert(cfg.Project, cfg.Dataset, tbl).Context(ctx).Do(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cl.bq.Tables.Delete(cfg.Project, cfg.Dataset, name).Do() })
	table := sdk.TableRef{Namespace: cfg.Dataset, Name: name}
	changes := []sdk.SchemaChange{
		{Op: sdk.OpAddColumn, Field: arrow.Field{Name: "note", Type: arrow.BinaryTypes.String, Nullable: true}},
		{Op: sdk.OpDropNotNull, Field: arrow.Field{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true}},
	}
	c := &Connector{}
	for range 2 {
		if _, err := c.ApplySchemaFor(ctx, sdk.SchemaRequest{Config: raw, Table: table, Changes: changes}); err != nil {
			t.Fatalf("apply: %v", err)
		}
	}
	s, _, ok, err := c.DescribeTarget(ctx, raw, table)
	if err != nil || !ok {
		t.Fatalf("describe: %v (exists %v)", err, ok)
	}
	if s.NumFields() != 2 || s.Field(1).Name != "note" || !s.Field(1).Nullable || !s.Field(0).Nullable {
		t.Errorf("described: got %v, want id nullable, then note nullable", s)
	}
}
