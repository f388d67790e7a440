package clickhouse

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// TestSweepStaging: the next load of a target drops the staging that
// earlier loads of it left unpublished (a killed plugin's, whose abort
// never reached the server; a stale run's, whose Write and commit then
// find no staging), leaves a staging whose publish began to LoadStatus,
// and leaves other targets' and shared targets' staging alone.
func TestSweepStaging(t *testing.T) {
	f := newFixture(t)
	f.exec("DROP TABLE IF EXISTS " + qualified(testDB, "swept") + " SYNC")
	exists := func(loadID string) bool {
		t.Helper()
		var n uint64
		f.scalar("SELECT count() FROM system.tables WHERE database = '"+testDB+"' AND name = '"+sdk.StagingName(loadID)+"'", &n)
		return n == 1
	}
	req := func(id string, gen int64, table string, shared bool) sdk.LoadRequest {
		return fenced(f.req(id, table, sdk.ModeAppend, idNameSchema), "sweep_"+table, gen, shared)
	}

	// A load that was staged and then abandoned (its plugin killed).
	f.load(req("sweep-0", 1, "swept", false), idNameRecord(t, 1, "committed"))
	killed := req("sweep-1", 2, "swept", false)
	f.stage(killed, idNameRecord(t, 2, "killed"))
	// A run of another unit into another target, in flight.
	other := req("sweep-o", 1, "swept_other", false)
	f.stage(other, idNameRecord(t, 9, "other"))
	// The next run of the unit; a stale run of it (generation 3) staged
	// before the takeover by generation 4.
	stale := req("sweep-2", 3, "swept", false)
	f.stage(stale, idNameRecord(t, 3, "stale"))
	if exists("sweep-1") {
		t.Errorf("the abandoned load's staging survived the next load's BeginLoad")
	}
	newer := req("sweep-3", 4, "swept", false)
	if _, err := f.c.BeginLoad(f.ctx, newer); err != nil {
		t.Fatal(err)
	}
	if exists("sweep-2") {
		t.Errorf("the stale run's staging survived the takeover")
	}
	if !exists("sweep-o") {
		t.Errorf("another target's staging was dropped")
	}
	if _, err := f.c.Write(f.ctx, stale, &sliceReader{schema: idNameSchema, recs: nil}); sdk.CodeOf(err) != sdk.CodeNotFound {
		t.Errorf("Write of the stale run after the takeover: got %v, want NOT_FOUND", err)
	}
	if _, err := f.c.CommitLoad(f.ctx, stale, nil); err == nil {
		t.Errorf("CommitLoad of the stale run after the takeover succeeded")
	}
	if _, err := f.c.Write(f.ctx, newer, &sliceReader{schema: idNameSchema, recs: nil}); err != nil {
		t.Fatal(err)
	}

	// A load whose publish began (crash mid-move) is finished, not swept.
	f.exec("ALTER TABLE " + qualified(testDB, sdk.StagingName("sweep-3")) + " MODIFY COMMENT '" + publishMarker + "sweep-3'")
	if _, err := f.c.BeginLoad(f.ctx, req("sweep-4", 5, "swept", false)); err != nil {
		t.Fatal(err)
	}
	if !exists("sweep-3") {
		t.Fatalf("a staging whose publish began was swept")
	}
	if st, err := f.c.LoadStatus(f.ctx, req("sweep-3", 5, "swept", false)); err != nil || st != sdk.LoadCommitted {
		t.Errorf("LoadStatus of the publishing load: got %v, %v; want committed", st, err)
	}
	if d := cmp.Diff([][]any{row(1, "committed")}, f.idNames("swept")); d != "" {
		t.Errorf("target (-want +got):\n%s", d)
	}

	// Shared targets: another unit's load may be in flight.
	shared := req("sweep-s", 1, "swept_other", true)
	if _, err := f.c.BeginLoad(f.ctx, shared); err != nil {
		t.Fatal(err)
	}
	if !exists("sweep-o") {
		t.Errorf("a shared target's load swept another unit's staging")
	}
}
