package clickhouse

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// TestReplace: a replace load deletes the where slice and inserts its
// rows; rows outside the slice are refused (a rerun would not replace
// them) and leave the target alone.
func TestReplace(t *testing.T) {
	f := newFixture(t)
	req := func(id, where string) sdk.LoadRequest {
		r := f.req(id, "replaced", sdk.ModeReplace, idNameSchema)
		r.Load.Strategy.Where = where
		return r
	}
	f.load(req("repl-1", "id <= 5"), idNameRecord(t, 1, "a", 2, "b", 3, "c", 4, "d", 5, "e"))
	res := f.load(req("repl-2", "id >= 4"), idNameRecord(t, 4, "D", 6, "f"))
	want := [][]any{row(1, "a"), row(2, "b"), row(3, "c"), row(4, "D"), row(6, "f")}
	if d := cmp.Diff(want, f.idNames("replaced")); d != "" {
		t.Errorf("target after two replace loads (-want +got):\n%s", d)
	}
	if res.RowsDeleted != 2 || res.RowsInserted != 2 {
		t.Errorf("second load: got %d deleted, %d inserted, want 2 and 2", res.RowsDeleted, res.RowsInserted)
	}
	// Committing again changes nothing.
	if _, err := f.c.CommitLoad(f.ctx, req("repl-2", "id >= 4"), nil); err != nil {
		t.Errorf("second CommitLoad: %v", err)
	}
	if d := cmp.Diff(want, f.idNames("replaced")); d != "" {
		t.Errorf("target after a second CommitLoad (-want +got):\n%s", d)
	}

	r := req("repl-3", "id >= 4")
	f.stage(r, idNameRecord(t, 1, "outside", 5, "E"))
	if _, err := f.c.CommitLoad(f.ctx, r, nil); sdk.CodeOf(err) != sdk.CodeData {
		t.Errorf("replace with a staged row outside where: got %v, want a DATA error", err)
	}
	r = req("repl-4", "no_such_column > 1")
	f.stage(r, idNameRecord(t, 5, "E"))
	if _, err := f.c.CommitLoad(f.ctx, r, nil); sdk.CodeOf(err) != sdk.CodeConfig {
		t.Errorf("replace with a where naming no column: got %v, want a CONFIG error", err)
	}
	if d := cmp.Diff(want, f.idNames("replaced")); d != "" {
		t.Errorf("target after refused loads (-want +got):\n%s", d)
	}
}

// TestSnapshotDiff: hard deletes converge the target to the load; soft
// deletes keep the missing keys with _dpone_deleted_at set and revive a
// key that comes back; max_delete_ratio refuses a load that would delete
// too much, leaving the target alone.
func TestSnapshotDiff(t *testing.T) {
	f := newFixture(t)
	req := func(id, table, deletes string, ratio float64) sdk.LoadRequest {
		r := f.req(id, table, sdk.ModeSnapshotDiff, idNameSchema, "id")
		r.Load.Strategy.Deletes = deletes
		r.Load.Strategy.MaxDeleteRatio = &ratio
		return r
	}
	t.Run("hard", func(t *testing.T) {
		f.t = t
		f.load(req("diff-1", "diff_hard", "hard", 1), idNameRecord(t, 1, "a", 2, "b", 3, "c"))
		res := f.load(req("diff-2", "diff_hard", "hard", 1), idNameRecord(t, 2, "B", 3, "c", 4, "d"))
		if d := cmp.Diff([][]any{row(2, "B"), row(3, "c"), row(4, "d")}, f.idNames("diff_hard")); d != "" {
			t.Errorf("target (-want +got):\n%s", d)
		}
		if res.RowsDeleted != 1 || res.RowsInserted != 1 || res.RowsUpdated != 2 {
			t.Errorf("counts: got deleted %d inserted %d updated %d, want 1 1 2", res.RowsDeleted, res.RowsInserted, res.RowsUpdated)
		}
		// The guard: deleting 2 of 3 with max_delete_ratio 0.5 is refused.
		r := req("diff-3", "diff_hard", "hard", 0.5)
		f.stage(r, idNameRecord(t, 4, "d"))
		if _, err := f.c.CommitLoad(f.ctx, r, nil); sdk.CodeOf(err) != sdk.CodeData {
			t.Errorf("snapshot_diff over max_delete_ratio: got %v, want a DATA error", err)
		}
		if err := f.c.AbortLoad(f.ctx, r); err != nil {
			t.Errorf("AbortLoad of the refused load: %v", err)
		}
		if d := cmp.Diff([][]any{row(2, "B"), row(3, "c"), row(4, "d")}, f.idNames("diff_hard")); d != "" {
			t.Errorf("target after a refused load (-want +got):\n%s", d)
		}
	})
	t.Run("soft", func(t *testing.T) {
		f.t = t
		f.load(req("soft-1", "diff_soft", "soft", 1), idNameRecord(t, 1, "a", 2, "b", 3, "c"))
		f.load(req("soft-2", "diff_soft", "soft", 1), idNameRecord(t, 2, "B", 3, "c"))
		var deleted string
		q := "SELECT arrayStringConcat(groupArray(toString(id) || ':' || toString(isNotNull(%s))), ',') FROM (SELECT * FROM %s FINAL ORDER BY id)"
		f.scalar(fmt.Sprintf(q, quote(sdk.DeletedAtColumn), qualified(testDB, "diff_soft")), &deleted)
		if deleted != "1:1,2:0,3:0" {
			t.Errorf("id:deleted after the second load: got %s, want 1:1,2:0,3:0", deleted)
		}
		f.load(req("soft-3", "diff_soft", "soft", 1), idNameRecord(t, 1, "back", 2, "B", 3, "c"))
		f.scalar(fmt.Sprintf(q, quote(sdk.DeletedAtColumn), qualified(testDB, "diff_soft")), &deleted)
		if deleted != "1:0,2:0,3:0" {
			t.Errorf("id:deleted after key 1 came back: got %s, want 1:0,2:0,3:0", deleted)
		}
		if d := cmp.Diff([][]any{row(1, "back"), row(2, "B"), row(3, "c")}, f.idNames("diff_soft")); d != "" {
			t.Errorf("target (-want +got):\n%s", d)
		}
	})
	f.t = t
}

// TestCrashBeforeSwap: a replace whose rebuilt table was filled but not
// swapped in (the plugin died) is still staged: the target is untouched,
// AbortLoad drops both tables, and a new load publishes normally; one
// whose swap ran but whose receipt did not is committed by LoadStatus.
func TestCrashBeforeSwap(t *testing.T) {
	f := newFixture(t)
	req := func(id string) sdk.LoadRequest {
		r := f.req(id, "swapped", sdk.ModeReplace, idNameSchema)
		r.Load.Strategy.Where = "id >= 2"
		return r
	}
	f.load(req("swap-1"), idNameRecord(t, 2, "b"))
	r := req("swap-2")
	f.stage(r, idNameRecord(t, 3, "c"))
	l, err := f.c.prepare(f.ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := l.srv.table(f.ctx, l.db, "swapped")
	if err != nil {
		t.Fatal(err)
	}
	keep, _, err := l.rebuildPlan(f.ctx, tbl)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.buildSwap(f.ctx, keep); err != nil { // then "crash"
		t.Fatal(err)
	}
	g := newFixture(t)
	if st, err := g.c.LoadStatus(g.ctx, r); err != nil || st != sdk.LoadStaged {
		t.Errorf("LoadStatus with a filled swap table: got %v %v, want staged", st, err)
	}
	if err := g.c.AbortLoad(g.ctx, r); err != nil {
		t.Fatal(err)
	}
	var n uint64
	g.scalar(fmt.Sprintf("SELECT count() FROM system.tables WHERE database = '%s' AND name LIKE '%s%%'", testDB, sdk.StagingName("swap-2")), &n)
	if n != 0 {
		t.Errorf("AbortLoad left %d staging or swap tables", n)
	}
	if d := cmp.Diff([][]any{row(2, "b")}, g.idNames("swapped")); d != "" {
		t.Errorf("target after the abort (-want +got):\n%s", d)
	}

	r = req("swap-3")
	g.stage(r, idNameRecord(t, 4, "d"))
	if l, err = g.c.prepare(g.ctx, r); err != nil {
		t.Fatal(err)
	}
	if tbl, err = l.srv.table(g.ctx, l.db, "swapped"); err != nil {
		t.Fatal(err)
	}
	if keep, _, err = l.rebuildPlan(g.ctx, tbl); err != nil {
		t.Fatal(err)
	}
	if err := l.buildSwap(g.ctx, keep); err != nil {
		t.Fatal(err)
	}
	g.exec("EXCHANGE TABLES " + qualified(testDB, l.swap()) + " AND " + qualified(testDB, "swapped")) // then "crash"
	h := newFixture(t)
	if st, err := h.c.LoadStatus(h.ctx, r); err != nil || st != sdk.LoadCommitted {
		t.Fatalf("LoadStatus after the swap without receipt: got %v %v, want committed", st, err)
	}
	if d := cmp.Diff([][]any{row(4, "d")}, h.idNames("swapped")); d != "" {
		t.Errorf("target (-want +got):\n%s", d)
	}
	h.scalar(fmt.Sprintf("SELECT count() FROM system.tables WHERE database = '%s' AND name LIKE '%s%%'", testDB, sdk.StagingName("swap-3")), &n)
	if n != 0 {
		t.Errorf("LoadStatus left %d staging or swap tables", n)
	}
}
