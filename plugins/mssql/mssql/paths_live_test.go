package mssql_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dpone-go/dpone/plugins/mssql/mssql"
	"github.com/dpone-go/dpone/sdk"
)

// oneRecord is a RecordReader of one record.
type oneRecord struct {
	rec  arrow.RecordBatch
	done bool
}

func (r *oneRecord) Schema() *arrow.Schema { return r.rec.Schema() }
func (r *oneRecord) Next() (arrow.RecordBatch, error) {
	if r.done {
		return nil, io.EOF
	}
	r.done = true
	return r.rec, nil
}

// pathRow is a row of the live path tests: (id, day as days since the
// epoch).
type pathRow struct {
	id  int64
	day int32
}

var pathSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
}, nil)

func pathRecord(rows []pathRow) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, pathSchema)
	defer b.Release()
	for _, r := range rows {
		b.Field(0).(*array.Int64Builder).Append(r.id)
		b.Field(1).(*array.Date32Builder).Append(arrow.Date32(r.day))
	}
	return b.NewRecordBatch()
}

func day(s string) int32 {
	t, _ := time.Parse("2006-01-02", s)
	return int32(arrow.Date32FromTime(t))
}

// loadRows runs BeginLoad, Write and CommitLoad in process, as the host
// sequences them.
func loadRows(t *testing.T, c *mssql.Connector, req sdk.LoadRequest, rows []pathRow) sdk.CommitResult {
	t.Helper()
	ctx := context.Background()
	if _, err := c.BeginLoad(ctx, req); err != nil {
		t.Fatalf("begin %s: %v", req.LoadID, err)
	}
	if _, err := c.Write(ctx, req, &oneRecord{rec: pathRecord(rows)}); err != nil {
		t.Fatalf("write %s: %v", req.LoadID, err)
	}
	res, err := c.CommitLoad(ctx, req, json.RawMessage(`{}`))
	if err != nil {
		t.Fatalf("commit %s: %v", req.LoadID, err)
	}
	return res
}

func queryInt(t *testing.T, db *sql.DB, q string) int64 {
	t.Helper()
	var n sql.NullInt64
	if err := db.QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n.Int64
}

// TestPublishPathsLive runs the publish paths on the live server:
// full_refresh swaps (the target becomes a new object with this load's
// lineage on every row) and falls back to truncate + insert under a
// dependent view (same object, the view still works); partition_replace
// truncates a partitioned target's touched partitions and keeps a
// partition's rows the load does not bring.
func TestPublishPathsLive(t *testing.T) {
	dsn, db := certifyDB(t)
	cfg, _ := json.Marshal(map[string]string{"dsn": dsn})
	c := mssql.New().(*mssql.Connector)
	lineage := func(run string) *sdk.Lineage {
		return &sdk.Lineage{RunID: run, LoadedAt: "2026-12-05T01:02:03.000000123Z", RunIDColumn: "_dpone_run_id", LoadedAtColumn: "_dpone_loaded_at"}
	}
	full := func(id string, run string) sdk.LoadRequest {
		return sdk.LoadRequest{Config: cfg, LoadID: id, Target: sdk.TableRef{Namespace: "dbo", Name: "fr"}, Schema: pathSchema,
			Mode: sdk.ModeFullRefresh, UniqueKey: []string{"id"}, Load: sdk.LoadOptions{Lineage: lineage(run)}}
	}
	objectID := func() int64 { return queryInt(t, db, "SELECT OBJECT_ID(N'dbo.fr', N'U')") }

	res := loadRows(t, c, full("fr-1", "run-1"), []pathRow{{1, day("2026-03-01")}, {2, day("2026-03-02")}, {3, day("2026-03-03")}})
	first := objectID()
	if res.RowsInserted != 3 || first == 0 {
		t.Fatalf("first full_refresh: got %+v, object %d; want 3 rows in a new table", res, first)
	}
	loadRows(t, c, full("fr-2", "run-2"), []pathRow{{4, day("2026-03-04")}, {5, day("2026-03-05")}})
	swapped := objectID()
	if swapped == first {
		t.Errorf("second full_refresh: the target is still object %d; want a swapped-in table", first)
	}
	for q, want := range map[string]int64{
		"SELECT COUNT(*) FROM dbo.fr":                                                                    2,
		"SELECT COUNT(*) FROM dbo.fr WHERE _dpone_run_id = N'run-2'":                                     2,
		"SELECT COUNT(*) FROM dbo.fr WHERE _dpone_loaded_at IS NOT NULL":                                 2,
		"SELECT COUNT(*) FROM sys.indexes WHERE object_id = OBJECT_ID(N'dbo.fr') AND is_primary_key = 1": 1,
		"SELECT COUNT(*) FROM sys.tables WHERE name LIKE N'\\_dpone\\_stg\\_%' ESCAPE N'\\'":             0,
	} {
		if got := queryInt(t, db, q); got != want {
			t.Errorf("after the swap, %s: got %d, want %d", q, got, want)
		}
	}

	if _, err := db.Exec("CREATE VIEW dbo.v_fr AS SELECT id FROM dbo.fr"); err != nil {
		t.Fatal(err)
	}
	loadRows(t, c, full("fr-3", "run-3"), []pathRow{{6, 0}, {7, 0}, {8, 0}, {9, 0}})
	if got := objectID(); got != swapped {
		t.Errorf("full_refresh under a view: the target became object %d; want %d kept (truncate + insert)", got, swapped)
	}
	if got := queryInt(t, db, "SELECT COUNT(*) FROM dbo.v_fr"); got != 4 {
		t.Errorf("the view reads %d rows, want 4", got)
	}

	for _, q := range []string{
		"CREATE PARTITION FUNCTION pf_paths (date) AS RANGE RIGHT FOR VALUES ('2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06')",
		"CREATE PARTITION SCHEME ps_paths AS PARTITION pf_paths ALL TO ([PRIMARY])",
		"CREATE TABLE dbo.pr (id bigint NULL, day date NULL) ON ps_paths (day)",
		"CREATE CLUSTERED INDEX cx_pr ON dbo.pr (day, id) ON ps_paths (day)",
		"INSERT INTO dbo.pr VALUES (1, '2026-03-01'), (2, '2026-03-01'), (3, '2026-03-02'), (99, '2026-03-07')",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	part := func(id string) sdk.LoadRequest {
		return sdk.LoadRequest{Config: cfg, LoadID: id, Target: sdk.TableRef{Namespace: "dbo", Name: "pr"}, Schema: pathSchema,
			Mode: sdk.ModePartitionReplace, Load: sdk.LoadOptions{Strategy: sdk.Strategy{PartitionBy: sdk.ColumnNames{"day"}}}}
	}
	res = loadRows(t, c, part("pr-1"), []pathRow{{10, day("2026-03-01")}})
	if res.RowsDeleted != 2 || res.RowsInserted != 1 {
		t.Errorf("partition_replace of 2026-03-01: got %+v, want 2 removed, 1 inserted", res)
	}
	// 2026-03-08 shares the last partition with 2026-03-07: id 99 stays.
	loadRows(t, c, part("pr-2"), []pathRow{{20, day("2026-03-08")}})
	got := queryInt(t, db, "SELECT SUM(id) FROM dbo.pr")
	if want := int64(10 + 3 + 99 + 20); got != want {
		t.Errorf("partitioned target: sum(id) %d, want %d (rows 10, 3, 99, 20)", got, want)
	}
}
