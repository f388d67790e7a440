package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// TestSwapBuildsIndexesAfterCopy: a full_refresh into an existing target
// stages into a table without the target's indexes (COPY does not
// maintain them row by row); the commit builds them, once each, and the
// swapped target has the same indexes and constraints under their names.
// A duplicate key fails the commit and leaves the target as it was.
func TestSwapBuildsIndexesAfterCopy(t *testing.T) {
	cfg, conn := testDB(t)
	ctx := context.Background()
	c := New().(*Connector)
	refresh(t, c, cfg, "ix-1", "indexed", kv{1, "a"}, kv{2, "b"})
	for _, q := range []string{
		"ALTER TABLE sinktest.indexed ADD CONSTRAINT indexed_key PRIMARY KEY (id)",
		"CREATE UNIQUE INDEX indexed_by_name ON sinktest.indexed (lower(name)) WHERE name <> ''",
		"CREATE INDEX indexed_by_run ON sinktest.indexed (_dpone_run_id) INCLUDE (name)",
	} {
		mustExec(t, conn, q)
	}
	before := factsOf(t, conn, "sinktest.indexed")

	req := loadReq(cfg, "ix-2", "indexed", sdk.ModeFullRefresh)
	req.Load = hostOptions(fmt.Sprintf(lineageOpts, "ix-2"))
	if _, err := c.BeginLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_index WHERE indrelid = $1::regclass",
		"sinktest."+sdk.StagingName("ix-2")).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("staging of a swap has %d indexes while COPY fills it, want 0 (built at commit)", n)
	}
	if _, err := c.Write(ctx, req, &sliceReader{recs: nil}); err != nil {
		t.Fatal(err)
	}
	c.AbortLoad(ctx, req)

	refresh(t, c, cfg, "ix-3", "indexed", kv{1, "x"}, kv{2, "y"}, kv{3, "z"})
	if diff := cmp.Diff(before, factsOf(t, conn, "sinktest.indexed")); diff != "" {
		t.Errorf("catalog after the swap (-before +after):\n%s", diff)
	}
	var plan string
	if err := conn.QueryRow(ctx, "SELECT count(*)::text FROM sinktest.indexed").Scan(&plan); err != nil || plan != "3" {
		t.Errorf("target rows: got %s, %v; want 3", plan, err)
	}

	// A duplicate under the unique index fails the commit; the target keeps its rows.
	dup := loadReq(cfg, "ix-4", "indexed", sdk.ModeFullRefresh)
	dup.Load = hostOptions(fmt.Sprintf(lineageOpts, "ix-4"))
	if _, err := c.BeginLoad(ctx, dup); err != nil {
		t.Fatal(err)
	}
	rec := kvRecord(kv{1, "Same"}, kv{2, "same"})
	defer rec.Release()
	if _, err := c.Write(ctx, dup, &sliceReader{recs: []arrow.RecordBatch{rec}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CommitLoad(ctx, dup, json.RawMessage(`{}`)); err == nil {
		t.Errorf("commit of rows that break a unique index: got no error")
	}
	if err := conn.QueryRow(ctx, "SELECT string_agg(name, ',' ORDER BY id) FROM sinktest.indexed").Scan(&plan); err != nil || plan != "x,y,z" {
		t.Errorf("target after the failed commit: got %q, %v; want x,y,z", plan, err)
	}
}

// TestSwapBuildsIndexesWithIndexMemory: the commit builds the target's
// indexes with maintenance_work_mem raised to indexBuildMemory, so the
// sort of a big key fits in memory instead of spilling to disk. The
// target's expression index calls a function that fails below it: the
// swap's rebuild of that index proves what the build ran with.
func TestSwapBuildsIndexesWithIndexMemory(t *testing.T) {
	cfg, conn := testDB(t)
	c := New().(*Connector)
	refresh(t, c, cfg, "mw-1", "membuild", kv{1, "a"})
	mustExec(t, conn, `CREATE FUNCTION sinktest.mw_spy(x bigint) RETURNS bigint LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF pg_size_bytes(current_setting('maintenance_work_mem')) < pg_size_bytes('`+indexBuildMemory+`') THEN
    RAISE EXCEPTION 'index built with maintenance_work_mem %', current_setting('maintenance_work_mem');
  END IF;
  RETURN x;
END $$`)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE IF EXISTS sinktest.membuild; DROP FUNCTION sinktest.mw_spy") })
	mustExec(t, conn, "SET maintenance_work_mem = '"+indexBuildMemory+"'")
	mustExec(t, conn, "CREATE INDEX membuild_spy ON sinktest.membuild (sinktest.mw_spy(id))")
	mustExec(t, conn, "RESET maintenance_work_mem")

	refresh(t, c, cfg, "mw-2", "membuild", kv{1, "x"}, kv{2, "y"})
	var got string
	if err := conn.QueryRow(context.Background(), "SELECT string_agg(name, ',' ORDER BY id) FROM sinktest.membuild").Scan(&got); err != nil || got != "x,y" {
		t.Errorf("target after the swap: got %q, %v; want x,y", got, err)
	}
}
