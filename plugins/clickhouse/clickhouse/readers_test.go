package clickhouse

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// TestFullRefreshReadersNeverSeeEmpty: readers polling the target while
// full_refresh loads publish one generation after another (EXCHANGE
// TABLES) see the old table or the new one, whole: never an empty or
// partial table, never an error (a peer's truncate-then-insert showed an
// empty table between the two).
func TestFullRefreshReadersNeverSeeEmpty(t *testing.T) {
	f := newFixture(t)
	const n = 2000
	gen := func(g int) []any {
		pairs := make([]any, 0, 2*n)
		for i := range n {
			pairs = append(pairs, i, fmt.Sprintf("gen-%d", g))
		}
		return pairs
	}
	f.load(f.req("busy-0", "busy", sdk.ModeFullRefresh, idNameSchema), idNameRecord(t, gen(0)...))
	s, err := f.c.open(f.ctx, f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var reads atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				var count, gens uint64
				err := s.conn.QueryRow(f.ctx, "SELECT count(), uniqExact(name) FROM "+qualified(testDB, "busy")).Scan(&count, &gens)
				if err == nil && (count != n || gens != 1) {
					err = fmt.Errorf("a reader saw %d rows of %d generations, want %d of 1", count, gens, n)
				}
				if err != nil {
					errs <- err
					return
				}
				reads.Add(1)
			}
		}()
	}
	for g := 1; g <= 8; g++ {
		f.load(f.req(fmt.Sprintf("busy-%d", g), "busy", sdk.ModeFullRefresh, idNameSchema), idNameRecord(t, gen(g)...))
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if reads.Load() == 0 {
		t.Error("the readers read nothing")
	}
}

// TestMergeLatestPublishWins: targets of incremental_merge are
// ReplacingMergeTree without a version column, so what decides between
// two rows of a key is the order of their parts. A load staged before
// another but published after it must still win: published parts get
// the target's next block numbers when they move in, whatever their order
// in staging (docs/guarantees.md). Read with FINAL and after the parts
// are merged.
func TestMergeLatestPublishWins(t *testing.T) {
	f := newFixture(t)
	f.load(f.req("order-0", "order", sdk.ModeMerge, idNameSchema, "id"), idNameRecord(t, 1, "first", 2, "first"))
	later := f.req("order-2", "order", sdk.ModeMerge, idNameSchema, "id")
	f.stage(later, idNameRecord(t, 1, "published last"))
	earlier := f.req("order-1", "order", sdk.ModeMerge, idNameSchema, "id")
	f.stage(earlier, idNameRecord(t, 1, "published first", 2, "published first"))
	for _, r := range []sdk.LoadRequest{earlier, later} {
		if _, err := f.c.CommitLoad(f.ctx, r, nil); err != nil {
			t.Fatalf("CommitLoad %s: %v", r.LoadID, err)
		}
	}
	want := [][]any{row(1, "published last"), row(2, "published first")}
	if d := cmp.Diff(want, f.idNames("order")); d != "" {
		t.Errorf("read with FINAL (-want +got):\n%s", d)
	}
	f.exec("OPTIMIZE TABLE " + qualified(testDB, "order") + " FINAL")
	var n uint64
	f.scalar("SELECT count() FROM "+qualified(testDB, "order"), &n)
	if n != 2 {
		t.Errorf("after the merge: %d rows, want 2", n)
	}
	if d := cmp.Diff(want, f.idNames("order")); d != "" {
		t.Errorf("after the merge (-want +got):\n%s", d)
	}
}
