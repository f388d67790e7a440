package duckdb

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/dpone-go/dpone/sdk"
)

// mergeSizes is the target and changed row counts of TestMergeWithinMemoryLimit:
// DPONE_TEST_MERGE_ROWS=target,changed overrides them.
func mergeSizes(t *testing.T) (target, changed int) {
	target, changed = 1_000_000, 750_000
	if v := os.Getenv("DPONE_TEST_MERGE_ROWS"); v != "" {
		var err error
		if _, err = fmt.Sscanf(v, "%d,%d", &target, &changed); err != nil {
			t.Fatalf("DPONE_TEST_MERGE_ROWS=%q: want target,changed", v)
		}
	}
	return target, changed
}

// A merge of many changed rows into a big table completes within the
// default memory_limit (issue 11 item 11): 3/4 of the changed keys exist
// (updates), 1/4 are new.
func TestMergeWithinMemoryLimit(t *testing.T) {
	n, m := mergeSizes(t)
	f := newFixture(t)
	f.load(f.req("seed", "big", sdk.ModeMerge, idName, "id"), idNameRecord(t, 0, "seed"))
	f.exec(`INSERT INTO landing.big SELECT i, 'name ' || i || repeat('x', 40) FROM range(1, ?) t(i)`, n)
	req := f.req("merge", "big", sdk.ModeMerge, idName, "id")
	ctx := context.Background()
	if _, err := f.c.BeginLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	first := n - m*3/4
	f.exec(`INSERT INTO landing.`+quote(sdk.StagingName("merge"))+` SELECT i, 'new ' || i || repeat('y', 40) FROM range(?, ?) t(i)`, first, first+m)
	res, err := f.c.CommitLoad(ctx, req, json.RawMessage(`{}`))
	if err != nil {
		t.Fatalf("CommitLoad: %v", err)
	}
	if want := (sdk.CommitResult{RowsInserted: int64(m - m*3/4), RowsUpdated: int64(m * 3 / 4)}); res != want {
		t.Errorf("commit result: got %+v, want %+v", res, want)
	}
	got := f.rows(`SELECT count(*), count(*) FILTER (WHERE name LIKE 'new %'), max(id) FROM landing.big`)
	want := []any{int64(first + m), int64(m), int64(first + m - 1)}
	if fmt.Sprint(got[0]) != fmt.Sprint(want) {
		t.Errorf("target: got %v, want %v", got[0], want)
	}
}
