package postgres

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// scd2Req is an scd2 load into sinktest.<table> keyed by id, tracking
// name, at loadedAt ("" turns lineage off).
func scd2Req(cfg json.RawMessage, id, table, loadedAt string) sdk.LoadRequest {
	req := loadReq(cfg, id, table, sdk.ModeSCD2, "id")
	lineage := `null`
	if loadedAt != "" {
		lineage = `{"run_id": "r-` + id + `", "loaded_at": "` + loadedAt + `", "run_id_column": "_dpone_run_id", "loaded_at_column": "_dpone_loaded_at"}`
	}
	req.Load = hostOptions(`{"lineage": ` + lineage + `, "strategy": {"scd2": {"hard_deletes": "close"}}}`)
	return req
}

// history reads (id, name, valid_from, valid_to, is_current) as text.
func history(t *testing.T, ctx context.Context, cfg json.RawMessage, table string) []string {
	t.Helper()
	c, err := connect(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	rows, err := c.Query(ctx, `SELECT concat_ws('|', id, coalesce(name, '~'), coalesce(to_char(_dpone_valid_from AT TIME ZONE 'UTC', 'HH24:MI'), '-'),
		coalesce(to_char(_dpone_valid_to AT TIME ZONE 'UTC', 'HH24:MI'), '-'), _dpone_is_current) FROM sinktest.`+table+` ORDER BY id, _dpone_valid_from NULLS FIRST`)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// TestSCD2CommitResult: a load's result counts the versions it inserts,
// the versions it ends or updates, and the keys it closes.
func TestSCD2CommitResult(t *testing.T) {
	cfg, conn := testDB(t)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE IF EXISTS sinktest.scd2_res") })
	c := New().(*Connector)
	if got := runLoad(t, c, scd2Req(cfg, "res1", "scd2_res", "2026-12-05T01:00:00Z"), kv{1, "a"}, kv{2, "b"}, kv{3, "c"}); got != (sdk.CommitResult{RowsInserted: 3}) {
		t.Errorf("first load: got %+v, want 3 inserted", got)
	}
	got := runLoad(t, c, scd2Req(cfg, "res2", "scd2_res", "2026-12-05T02:00:00Z"), kv{1, "a2"}, kv{2, "b"}, kv{4, ""})
	if want := (sdk.CommitResult{RowsInserted: 2, RowsUpdated: 1, RowsDeleted: 1}); got != want {
		t.Errorf("second load: got %+v, want %+v", got, want)
	}
	want := []string{"1|a|01:00|02:00|f", "1|a2|02:00|-|t", "2|b|01:00|-|t", "3|c|01:00|02:00|f", "4|~|02:00|-|t"}
	if diff := cmp.Diff(want, history(t, context.Background(), cfg, "scd2_res")); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

// TestSCD2LoadTimeBeforeCurrentVersion: a load older than a current
// version fails with a DATA error naming it, and changes nothing.
func TestSCD2LoadTimeBeforeCurrentVersion(t *testing.T) {
	cfg, conn := testDB(t)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE IF EXISTS sinktest.scd2_back") })
	c := New().(*Connector)
	ctx := context.Background()
	runLoad(t, c, scd2Req(cfg, "back1", "scd2_back", "2026-12-05T03:00:00Z"), kv{1, "a"})
	req := scd2Req(cfg, "back2", "scd2_back", "2026-12-05T02:00:00Z")
	if _, err := c.BeginLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	rec := kvRecord(kv{1, "b"})
	defer rec.Release()
	if _, err := c.Write(ctx, req, &sliceReader{schema: kvSchema, recs: []arrow.RecordBatch{rec}}); err != nil {
		t.Fatal(err)
	}
	_, err := c.CommitLoad(ctx, req, nil)
	if sdk.CodeOf(err) != sdk.CodeData || !strings.Contains(err.Error(), "is before the start of a current version") {
		t.Errorf("got %v, want a DATA error about the load time", err)
	}
	if diff := cmp.Diff([]string{"1|a|03:00|-|t"}, history(t, ctx, cfg, "scd2_back")); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	_ = c.AbortLoad(ctx, req)
}

// TestSCD2WithoutLineage: with lineage off the load time is the commit
// transaction's clock; an existing table loaded before gets the history
// columns and its rows become current versions.
func TestSCD2WithoutLineage(t *testing.T) {
	cfg, conn := testDB(t)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE IF EXISTS sinktest.scd2_adopt") })
	mustExec(t, conn, "CREATE TABLE sinktest.scd2_adopt (id bigint, name text)")
	mustExec(t, conn, "INSERT INTO sinktest.scd2_adopt VALUES (1, 'a'), (2, 'b')")
	c := New().(*Connector)
	runLoad(t, c, scd2Req(cfg, "adopt1", "scd2_adopt", ""), kv{1, "a"}, kv{2, "b2"})
	var versions, current, open, stamped int
	err := conn.QueryRow(context.Background(), `SELECT count(*), count(*) FILTER (WHERE _dpone_is_current),
		count(*) FILTER (WHERE _dpone_valid_to IS NULL), count(*) FILTER (WHERE _dpone_valid_from > now() - interval '1 hour')
		FROM sinktest.scd2_adopt`).Scan(&versions, &current, &open, &stamped)
	if err != nil {
		t.Fatal(err)
	}
	// id 1 kept (valid_from NULL), id 2 ended and a new version stamped now.
	if versions != 3 || current != 2 || open != 2 || stamped != 1 {
		t.Errorf("got %d versions, %d current, %d open, %d stamped now; want 3, 2, 2, 1", versions, current, open, stamped)
	}
}

// TestSCD2NullKey: a staged NULL key fails the commit with a DATA error
// and changes nothing.
func TestSCD2NullKey(t *testing.T) {
	cfg, conn := testDB(t)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE IF EXISTS sinktest.scd2_nullkey") })
	c := New().(*Connector)
	ctx := context.Background()
	runLoad(t, c, scd2Req(cfg, "nk1", "scd2_nullkey", "2026-12-05T01:00:00Z"), kv{1, "a"})
	req := scd2Req(cfg, "nk2", "scd2_nullkey", "2026-12-05T02:00:00Z")
	if _, err := c.BeginLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, kvSchema)
	b.Field(0).AppendNull()
	b.Field(1).(*array.StringBuilder).Append("nobody")
	rec := b.NewRecordBatch()
	b.Release()
	defer rec.Release()
	if _, err := c.Write(ctx, req, &sliceReader{schema: kvSchema, recs: []arrow.RecordBatch{rec}}); err != nil {
		t.Fatal(err)
	}
	_, err := c.CommitLoad(ctx, req, nil)
	if sdk.CodeOf(err) != sdk.CodeData || !strings.Contains(err.Error(), "have a NULL in unique_key") {
		t.Errorf("got %v, want a DATA error about the NULL key", err)
	}
	if diff := cmp.Diff([]string{"1|a|01:00|-|t"}, history(t, ctx, cfg, "scd2_nullkey")); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	_ = c.AbortLoad(ctx, req)
}
