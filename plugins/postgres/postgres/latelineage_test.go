package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// TestFullRefreshLateLineage: a full_refresh into a target whose lineage
// columns are its last, unreferenced ones stages them NULL (no default)
// and gives them the load's values at commit as catalog constants: every
// row reads this load's run id and time, no row stores them, the column
// order and the target's own defaults are kept. A target with an index on
// a lineage column is staged the old way (the constant as COPY's default).
func TestFullRefreshLateLineage(t *testing.T) {
	cfg, conn := testDB(t)
	ctx := context.Background()
	t.Cleanup(func() { mustExec(t, conn, "DROP SCHEMA IF EXISTS sinktest CASCADE") })
	c := New().(*Connector)
	refresh(t, c, cfg, "r-1", "late", kv{1, "a"})
	refresh(t, c, cfg, "r-1i", "indexed", kv{1, "a"})
	mustExec(t, conn, "ALTER TABLE sinktest.late ALTER COLUMN _dpone_loaded_at SET DEFAULT now()")
	mustExec(t, conn, "CREATE INDEX by_run ON sinktest.indexed (_dpone_run_id)")
	columns := func(table string) string {
		var cols string
		if err := conn.QueryRow(ctx, `SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute
WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`, table).Scan(&cols); err != nil {
			t.Fatal(err)
		}
		return cols
	}
	for _, tt := range []struct {
		table string
		late  bool
	}{{"late", true}, {"indexed", false}} {
		target := "sinktest." + tt.table
		before, facts := columns(target), factsOf(t, conn, target)
		req := loadReq(cfg, "r-2-"+tt.table, tt.table, sdk.ModeFullRefresh)
		req.Load = hostOptions(fmt.Sprintf(lineageOpts, "r-2"))
		staging, err := c.BeginLoad(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		var marker string
		if err := conn.QueryRow(ctx, "SELECT obj_description($1::regclass, 'pg_class')", staging).Scan(&marker); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(marker, `"late_lineage":true`); got != tt.late {
			t.Errorf("%s: staging marker %s: late lineage %v, want %v", tt.table, marker, got, tt.late)
		}
		rec := kvRecord(kv{2, "b"}, kv{3, "c"})
		if _, err := c.Write(ctx, req, &sliceReader{schema: kvSchema, recs: []arrow.RecordBatch{rec}}); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		if tt.late {
			var stored int
			if err := conn.QueryRow(ctx, "SELECT count(_dpone_run_id) FROM "+staging).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if stored != 0 {
				t.Errorf("%s: COPY wrote the run id into %d staged rows, want none (NULL until commit)", tt.table, stored)
			}
		}
		if _, err := c.CommitLoad(ctx, req, json.RawMessage(`{"rows": 2}`)); err != nil {
			t.Fatal(err)
		}
		var runs []string
		var loaded time.Time
		var n int
		if err := conn.QueryRow(ctx, "SELECT array_agg(DISTINCT _dpone_run_id), min(_dpone_loaded_at), count(*) FROM "+target).Scan(&runs, &loaded, &n); err != nil {
			t.Fatal(err)
		}
		if !cmp.Equal(runs, []string{"r-2"}) || !loaded.Equal(time.Date(2026, 11, 26, 5, 0, 0, 0, time.UTC)) || n != 2 {
			t.Errorf("%s: %d rows, lineage %v %v, want 2 rows of [r-2] 2026-11-26T05:00:00Z", tt.table, n, runs, loaded)
		}
		if after := columns(target); after != before {
			t.Errorf("%s: columns %s after the load, %s before", tt.table, after, before)
		}
		if diff := cmp.Diff(facts, factsOf(t, conn, target)); diff != "" {
			t.Errorf("%s: catalog (-before +after):\n%s", tt.table, diff)
		}
		// A row inserted later gets the target's own default, not the load's.
		mustExec(t, conn, "INSERT INTO "+target+" (id, name) VALUES (9, 'later')")
		var later *string
		if err := conn.QueryRow(ctx, "SELECT _dpone_run_id FROM "+target+" WHERE id = 9").Scan(&later); err != nil {
			t.Fatal(err)
		}
		if later != nil {
			t.Errorf("%s: a row inserted after the load got run id %q, want NULL (the target has no default for it)", tt.table, *later)
		}
	}
}
