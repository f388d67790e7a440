package duckdb

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// modeStep is one load of a mode test: (id, name) pairs (name "" is
// NULL), the target's rows after it as "id:name", and the commit result or
// an error the commit must fail with (the target is then unchanged).
type modeStep struct {
	strategy string
	pairs    []any
	want     []string
	res      sdk.CommitResult
	err      string
}

// modeReq is a load into landing.<table> with lineage and a strategy.
func (f *fixture) modeReq(id, table, mode, strategy string, keys ...string) sdk.LoadRequest {
	req := f.req(id, table, mode, idName, keys...)
	if strategy == "" {
		strategy = "{}"
	}
	req.Load = hostOptions(`{"lineage": {"run_id": "r-` + id + `", "loaded_at": "2026-11-26T05:00:00Z",
		"run_id_column": "_dpone_run_id", "loaded_at_column": "_dpone_loaded_at"}, "strategy": ` + strategy + `}`)
	return req
}

// idNames lists landing.<table> as "id:name" ordered by id.
func (f *fixture) idNames(table string) []string {
	f.t.Helper()
	var out []string
	for _, r := range f.rows("SELECT id, coalesce(name, '') FROM landing." + quote(table)) {
		out = append(out, fmt.Sprintf("%d:%s", r[0], r[1]))
	}
	return out
}

func runSteps(t *testing.T, f *fixture, table, mode string, keys []string, steps []modeStep) {
	t.Helper()
	ctx := context.Background()
	for i, s := range steps {
		req := f.modeReq(fmt.Sprintf("%s-%d", table, i), table, mode, s.strategy, keys...)
		rec := idNameRecord(t, s.pairs...)
		if s.err == "" {
			if diff := cmp.Diff(s.res, f.load(req, rec)); diff != "" {
				t.Errorf("step %d result (-want +got):\n%s", i, diff)
			}
		} else {
			if _, err := f.c.BeginLoad(ctx, req); err != nil {
				t.Fatalf("step %d begin: %v", i, err)
			}
			if _, err := f.c.Write(ctx, req, &sliceReader{schema: idName, recs: []arrow.RecordBatch{rec}}); err != nil {
				t.Fatalf("step %d write: %v", i, err)
			}
			_, err := f.c.CommitLoad(ctx, req, nil)
			if err == nil || !strings.Contains(err.Error(), s.err) {
				t.Errorf("step %d commit: got error %v, want one containing %q", i, err, s.err)
			}
			if st, _ := f.c.LoadStatus(ctx, req); st != sdk.LoadStaged {
				t.Errorf("step %d: got load state %v after a failed commit, want staged", i, st)
			}
			if err := f.c.AbortLoad(ctx, req); err != nil {
				t.Fatalf("step %d abort: %v", i, err)
			}
		}
		if diff := cmp.Diff(s.want, f.idNames(table)); diff != "" {
			t.Errorf("step %d rows (-want +got):\n%s", i, diff)
		}
	}
}

func TestSnapshotDiffHard(t *testing.T) {
	f := newFixture(t)
	runSteps(t, f, "snap", sdk.ModeSnapshotDiff, []string{"id"}, []modeStep{
		{pairs: []any{1, "a", 2, "b", 3, "c", 4, "d"}, want: []string{"1:a", "2:b", "3:c", "4:d"}, res: sdk.CommitResult{RowsInserted: 4}},
		// 2 changes, 4 disappears, 5 is new, 1 and 3 are untouched
		{pairs: []any{1, "a", 2, "B", 3, "c", 5, "e"}, want: []string{"1:a", "2:B", "3:c", "5:e"},
			res: sdk.CommitResult{RowsInserted: 1, RowsUpdated: 1, RowsDeleted: 1}},
		// the same snapshot again changes nothing
		{pairs: []any{1, "a", 2, "B", 3, "c", 5, "e"}, want: []string{"1:a", "2:B", "3:c", "5:e"}},
		// three of four rows would go: the guard (0.5 by default) refuses
		{pairs: []any{1, "a"}, want: []string{"1:a", "2:B", "3:c", "5:e"},
			err: "would delete 3 of 4 target rows (ratio 0.750 > max_delete_ratio 0.5)"},
		{strategy: `{"max_delete_ratio": 0.7}`, pairs: []any{1, "a"}, want: []string{"1:a", "2:B", "3:c", "5:e"},
			err: "ratio 0.750 > max_delete_ratio 0.7"},
		// allowed; the last staged row of a key wins
		{strategy: `{"max_delete_ratio": 1, "deletes": "hard"}`, pairs: []any{1, "a", 1, "a2"}, want: []string{"1:a2"},
			res: sdk.CommitResult{RowsUpdated: 1, RowsDeleted: 3}},
	})
	if got := f.rows(`SELECT _dpone_run_id FROM landing.snap`); !cmp.Equal(got, [][]any{{"r-snap-5"}}) {
		t.Errorf("lineage of a changed row: got %v, want r-snap-5", got)
	}
}

func TestSnapshotDiffSoft(t *testing.T) {
	f := newFixture(t)
	soft := `{"deletes": "soft"}`
	runSteps(t, f, "soft", sdk.ModeSnapshotDiff, []string{"id"}, []modeStep{
		{strategy: soft, pairs: []any{1, "a", 2, "b", 3, "c"}, want: []string{"1:a", "2:b", "3:c"}, res: sdk.CommitResult{RowsInserted: 3}},
		// 2 disappears: kept, marked deleted
		{strategy: soft, pairs: []any{1, "a", 3, "C"}, want: []string{"1:a", "2:b", "3:C"}, res: sdk.CommitResult{RowsUpdated: 1, RowsDeleted: 1}},
		// soft-deleted rows do not count as live: 1 of 2 live rows is 0.5
		{strategy: soft, pairs: []any{3, "C"}, want: []string{"1:a", "2:b", "3:C"}, res: sdk.CommitResult{RowsDeleted: 1}},
		// 1 and 2 come back
		{strategy: soft, pairs: []any{1, "a", 2, "b", 3, "C"}, want: []string{"1:a", "2:b", "3:C"}, res: sdk.CommitResult{RowsUpdated: 2}},
		{strategy: soft, pairs: []any{2, "b"}, want: []string{"1:a", "2:b", "3:C"}, err: "ratio 0.667 > max_delete_ratio 0.5"},
		{strategy: `{"deletes": "soft", "max_delete_ratio": 1}`, pairs: []any{2, "b"}, want: []string{"1:a", "2:b", "3:C"},
			res: sdk.CommitResult{RowsDeleted: 2}},
	})
	stamp := time.Date(2026, 11, 26, 5, 0, 0, 0, time.UTC)
	got := map[int64]any{}
	for _, r := range f.rows(`SELECT id, _dpone_deleted_at FROM landing.soft`) {
		if ts, ok := r[1].(time.Time); ok {
			r[1] = ts.UTC()
		}
		got[r[0].(int64)] = r[1]
	}
	if diff := cmp.Diff(map[int64]any{1: stamp, 2: nil, 3: stamp}, got); diff != "" {
		t.Errorf("_dpone_deleted_at (-want +got):\n%s", diff)
	}
}

func TestReplace(t *testing.T) {
	f := newFixture(t)
	runSteps(t, f, "repl", sdk.ModeReplace, nil, []modeStep{
		{strategy: `{"where": "id < 100"}`, pairs: []any{1, "a", 2, "b", 50, "x"}, want: []string{"1:a", "2:b", "50:x"},
			res: sdk.CommitResult{RowsInserted: 3}},
		// only the slice id < 10 is replaced, and a rerun does the same
		{strategy: `{"where": "id < 10"}`, pairs: []any{1, "A", 3, "c"}, want: []string{"1:A", "3:c", "50:x"},
			res: sdk.CommitResult{RowsInserted: 2, RowsDeleted: 2}},
		{strategy: `{"where": "id < 10"}`, pairs: []any{1, "A", 3, "c"}, want: []string{"1:A", "3:c", "50:x"},
			res: sdk.CommitResult{RowsInserted: 2, RowsDeleted: 2}},
		// a staged row outside the slice would be duplicated by a rerun
		{strategy: `{"where": "id < 10"}`, pairs: []any{1, "A", 11, "z", 12, ""}, want: []string{"1:A", "3:c", "50:x"},
			err: "2 staged rows fall outside strategy.where"},
		{strategy: `{"where": "no_such_column = 1"}`, pairs: []any{1, "A"}, want: []string{"1:A", "3:c", "50:x"}, err: "strategy.where"},
		{strategy: `{"where": "name = 'q'"}`, pairs: []any{7, "q"}, want: []string{"1:A", "3:c", "50:x", "7:q"},
			res: sdk.CommitResult{RowsInserted: 1}},
	})
}

func TestPartitionReplace(t *testing.T) {
	f := newFixture(t)
	runSteps(t, f, "parts", sdk.ModePartitionReplace, nil, []modeStep{
		{strategy: `{"partition_by": "name"}`, pairs: []any{1, "a", 2, "a", 3, "b", 4, ""}, want: []string{"1:a", "2:a", "3:b", "4:"},
			res: sdk.CommitResult{RowsInserted: 4}},
		// partitions a and NULL are replaced, b is kept; a rerun is the same
		{strategy: `{"partition_by": ["name"]}`, pairs: []any{5, "a", 6, ""}, want: []string{"3:b", "5:a", "6:"},
			res: sdk.CommitResult{RowsInserted: 2, RowsDeleted: 3}},
		{strategy: `{"partition_by": ["name"]}`, pairs: []any{5, "a", 6, ""}, want: []string{"3:b", "5:a", "6:"},
			res: sdk.CommitResult{RowsInserted: 2, RowsDeleted: 2}},
		// by two columns: only the (id, name) pairs staged
		{strategy: `{"partition_by": ["id", "name"]}`, pairs: []any{3, "b", 3, "c"}, want: []string{"3:b", "3:c", "5:a", "6:"},
			res: sdk.CommitResult{RowsInserted: 2, RowsDeleted: 1}},
	})
}

func TestModeOptionErrors(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, mode, strategy string
		keys                 []string
		want                 string
	}{
		{"snapshot_diff without key", sdk.ModeSnapshotDiff, `{}`, nil, "needs sink.strategy.unique_key"},
		{"bad deletes", sdk.ModeSnapshotDiff, `{"deletes": "maybe"}`, []string{"id"}, `strategy.deletes "maybe"`},
		{"bad ratio", sdk.ModeSnapshotDiff, `{"max_delete_ratio": -1}`, []string{"id"}, "max_delete_ratio -1"},
		{"replace without where", sdk.ModeReplace, `{}`, nil, "needs sink.strategy.where"},
		{"partition_replace without columns", sdk.ModePartitionReplace, `{}`, nil, "needs sink.strategy.partition_by"},
		{"partition_by not loaded", sdk.ModePartitionReplace, `{"partition_by": ["region"]}`, nil, `partition_by column "region"`},
		// A misspelt key or a partition_by of the wrong type never reaches
		// the sink: the protocol's builder refuses it (proto/loadopts).
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.c.BeginLoad(context.Background(), f.modeReq("opt", "x", tc.mode, tc.strategy, tc.keys...))
			if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v (%v), want CONFIG containing %q", sdk.CodeOf(err), err, tc.want)
			}
		})
	}
}
