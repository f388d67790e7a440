package clickhouse

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

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
