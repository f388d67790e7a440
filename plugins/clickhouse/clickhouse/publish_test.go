package clickhouse

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// TestCrashAfterExchange: a full_refresh whose EXCHANGE ran but whose
// receipt did not (the plugin died between them) is committed: a new
// process's LoadStatus recognizes the target's load marker, writes the
// receipt and drops the replaced table.
func TestCrashAfterExchange(t *testing.T) {
	f := newFixture(t)
	f.load(f.req("xchg-1", "xchg", sdk.ModeFullRefresh, idNameSchema), idNameRecord(t, 1, "old"))
	r := f.req("xchg-2", "xchg", sdk.ModeFullRefresh, idNameSchema)
	f.stage(r, idNameRecord(t, 2, "new"))
	staging := qualified(testDB, sdk.StagingName("xchg-2"))
	f.exec("EXCHANGE TABLES " + staging + " AND " + qualified(testDB, "xchg")) // the publish step, then "crash"

	g := newFixture(t) // a restarted plugin
	st, err := g.c.LoadStatus(g.ctx, r)
	if err != nil || st != sdk.LoadCommitted {
		t.Fatalf("LoadStatus after EXCHANGE without receipt: got %v %v, want committed", st, err)
	}
	if d := cmp.Diff([][]any{row(2, "new")}, g.idNames("xchg")); d != "" {
		t.Errorf("target (-want +got):\n%s", d)
	}
	var n uint64
	g.scalar(fmt.Sprintf("SELECT count() FROM system.tables WHERE database = '%s' AND name = '%s'", testDB, sdk.StagingName("xchg-2")), &n)
	if n != 0 {
		t.Errorf("the replaced table %s still exists after LoadStatus finished the load", staging)
	}
	if st, err := g.c.LoadStatus(g.ctx, r); err != nil || st != sdk.LoadCommitted {
		t.Errorf("LoadStatus again: got %v %v, want committed (from the receipt)", st, err)
	}
	if _, err := g.c.CommitLoad(g.ctx, r, nil); err != nil {
		t.Errorf("CommitLoad after LoadStatus finished it: %v", err)
	}
	if d := cmp.Diff([][]any{row(2, "new")}, g.idNames("xchg")); d != "" {
		t.Errorf("target after CommitLoad (-want +got):\n%s", d)
	}
}

// TestCrashDuringMove: an append whose parts were partly or wholly moved
// into the target but whose receipt was not written is finished by
// LoadStatus, never applied twice, and cannot be aborted.
func TestCrashDuringMove(t *testing.T) {
	f := newFixture(t)
	f.load(f.req("move-1", "move", sdk.ModeAppend, idNameSchema), idNameRecord(t, 1, "a"))
	r := f.req("move-2", "move", sdk.ModeAppend, idNameSchema)
	f.stage(r, idNameRecord(t, 2, "b"), idNameRecord(t, 3, "c"))
	staging := qualified(testDB, sdk.StagingName("move-2"))
	f.exec("ALTER TABLE " + staging + " MODIFY COMMENT " + literal(publishMarker+"move-2"))
	f.exec("ALTER TABLE " + staging + " MOVE PARTITION ID 'all' TO TABLE " + qualified(testDB, "move")) // then "crash"

	g := newFixture(t)
	if err := g.c.AbortLoad(g.ctx, r); sdk.CodeOf(err) != sdk.CodeData {
		t.Errorf("AbortLoad of a load whose publish began: got %v, want a DATA error", err)
	}
	st, err := g.c.LoadStatus(g.ctx, r)
	if err != nil || st != sdk.LoadCommitted {
		t.Fatalf("LoadStatus after MOVE without receipt: got %v %v, want committed", st, err)
	}
	want := [][]any{row(1, "a"), row(2, "b"), row(3, "c")}
	if d := cmp.Diff(want, g.idNames("move")); d != "" {
		t.Errorf("target (-want +got):\n%s", d)
	}
	if _, err := g.c.CommitLoad(g.ctx, r, nil); err != nil {
		t.Errorf("CommitLoad after LoadStatus finished it: %v", err)
	}
	if d := cmp.Diff(want, g.idNames("move")); d != "" {
		t.Errorf("target after CommitLoad (-want +got):\n%s", d)
	}
}

// TestCrashDuringMoveCountsRows: a publish that moved every part before
// the crash is finished with the rows the load staged (kept in the
// publishing marker), not the empty staging's count: the receipt and the
// commit result say 2 rows, not 0.
func TestCrashDuringMoveCountsRows(t *testing.T) {
	f := newFixture(t)
	f.load(f.req("count-1", "counted", sdk.ModeAppend, idNameSchema), idNameRecord(t, 1, "a"))
	r := f.req("count-2", "counted", sdk.ModeAppend, idNameSchema)
	f.stage(r, idNameRecord(t, 2, "b"), idNameRecord(t, 3, "c"))
	staging := qualified(testDB, sdk.StagingName("count-2"))
	f.exec("ALTER TABLE " + staging + " MODIFY COMMENT " + literal(publishingComment("count-2", publishMark{rows: 2})))
	f.exec("ALTER TABLE " + staging + " MOVE PARTITION ID 'all' TO TABLE " + qualified(testDB, "counted")) // then "crash"

	g := newFixture(t)
	if st, err := g.c.LoadStatus(g.ctx, r); err != nil || st != sdk.LoadCommitted {
		t.Fatalf("LoadStatus after MOVE without receipt: got %v %v, want committed", st, err)
	}
	var rows int64
	g.scalar("SELECT rows FROM "+qualified(testDB, receiptsTable)+" FINAL WHERE load_id = 'count-2'", &rows)
	if rows != 2 {
		t.Errorf("receipt of the finished load: %d rows, want 2", rows)
	}
	if d := cmp.Diff([][]any{row(1, "a"), row(2, "b"), row(3, "c")}, g.idNames("counted")); d != "" {
		t.Errorf("target (-want +got):\n%s", d)
	}
	for _, c := range []struct {
		comment string
		mark    publishMark
		ok      bool
	}{
		{publishMarker + "x", publishMark{rows: -1}, true},
		{publishingComment("x", publishMark{rows: 7}), publishMark{rows: 7}, true},
		{publishingComment("x", publishMark{rows: 7, version: 1733}), publishMark{rows: 7, version: 1733}, true},
		{publishingComment("xy", publishMark{rows: 7}), publishMark{}, false},
		{publishMarker + "x rows=", publishMark{}, false},
		{publishMarker + "x rows=3 version=z", publishMark{}, false},
		{loadMarker + "x", publishMark{}, false},
	} {
		if m, ok := publishing(c.comment, "x"); m != c.mark || ok != c.ok {
			t.Errorf("publishing(%q): %+v %v, want %+v %v", c.comment, m, ok, c.mark, c.ok)
		}
	}
}

// TestAbortLeavesTarget: AbortLoad drops staging; the target is as before
// and LoadStatus is unknown.
func TestAbortLeavesTarget(t *testing.T) {
	f := newFixture(t)
	f.load(f.req("abort-1", "aborted", sdk.ModeFullRefresh, idNameSchema), idNameRecord(t, 1, "a"))
	r := f.req("abort-2", "aborted", sdk.ModeFullRefresh, idNameSchema)
	f.stage(r, idNameRecord(t, 2, "b"))
	if err := f.c.AbortLoad(f.ctx, r); err != nil {
		t.Fatal(err)
	}
	if st, err := f.c.LoadStatus(f.ctx, r); err != nil || st != sdk.LoadUnknown {
		t.Errorf("LoadStatus after AbortLoad: got %v %v, want unknown", st, err)
	}
	if _, err := f.c.CommitLoad(f.ctx, r, nil); sdk.CodeOf(err) != sdk.CodeNotFound {
		t.Errorf("CommitLoad after AbortLoad: got %v, want NOT_FOUND", err)
	}
	if d := cmp.Diff([][]any{row(1, "a")}, f.idNames("aborted")); d != "" {
		t.Errorf("target (-want +got):\n%s", d)
	}
}
