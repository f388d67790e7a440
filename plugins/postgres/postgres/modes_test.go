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

// modeReq is a load into sinktest.<table> with a strategy block (JSON
// object text, without mode and unique_key, which the request carries).
func modeReq(cfg json.RawMessage, id, table, mode, strategy string, keys ...string) sdk.LoadRequest {
	req := loadReq(cfg, id, table, mode, keys...)
	if strategy == "" {
		strategy = "{}"
	}
	req.Load = hostOptions(`{"lineage": {"run_id": "r-` + id + `", "loaded_at": "2026-11-26T05:00:00Z",
		"run_id_column": "_dpone_run_id", "loaded_at_column": "_dpone_loaded_at"}, "strategy": ` + strategy + `}`)
	return req
}

// modeStep is one load of a mode test and what the target holds after it.
type modeStep struct {
	strategy string
	rows     []kv
	want     []kv
	res      sdk.CommitResult
	err      string // a commit error containing this; the target is unchanged
}

// runSteps loads each step into sinktest.<table> with mode and checks the
// commit result and the target's rows.
func runSteps(t *testing.T, cfg json.RawMessage, table, mode string, keys []string, steps []modeStep) {
	t.Helper()
	c := New().(*Connector)
	ctx := context.Background()
	for i, s := range steps {
		req := modeReq(cfg, fmt.Sprintf("%s-%d", table, i), table, mode, s.strategy, keys...)
		if s.err == "" {
			res := runLoad(t, c, req, s.rows...)
			if diff := cmp.Diff(s.res, res); diff != "" {
				t.Errorf("step %d result (-want +got):\n%s", i, diff)
			}
		} else {
			if _, err := c.BeginLoad(ctx, req); err != nil {
				t.Fatalf("step %d begin: %v", i, err)
			}
			rec := kvRecord(s.rows...)
			if _, err := c.Write(ctx, req, &sliceReader{schema: kvSchema, recs: []arrow.RecordBatch{rec}}); err != nil {
				t.Fatalf("step %d write: %v", i, err)
			}
			rec.Release()
			_, err := c.CommitLoad(ctx, req, nil)
			if err == nil || !strings.Contains(err.Error(), s.err) {
				t.Errorf("step %d commit: got error %v, want one containing %q", i, err, s.err)
			}
			if st, _ := c.LoadStatus(ctx, req); st != sdk.LoadStaged {
				t.Errorf("step %d: got load state %v after a failed commit, want staged", i, st)
			}
			if err := c.AbortLoad(ctx, req); err != nil {
				t.Fatalf("step %d abort: %v", i, err)
			}
		}
		if diff := cmp.Diff(s.want, tableKV(t, cfg, table), cmp.AllowUnexported(kv{})); diff != "" {
			t.Errorf("step %d rows (-want +got):\n%s", i, diff)
		}
	}
}

func TestSnapshotDiffHard(t *testing.T) {
	cfg, conn := testDB(t)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE IF EXISTS sinktest.snap_hard") })
	runSteps(t, cfg, "snap_hard", sdk.ModeSnapshotDiff, []string{"id"}, []modeStep{
		{rows: []kv{{1, "a"}, {2, "b"}, {3, "c"}, {4, "d"}},
			want: []kv{{1, "a"}, {2, "b"}, {3, "c"}, {4, "d"}}, res: sdk.CommitResult{RowsInserted: 4}},
		// 2 changes, 4 disappears, 5 is new, 1 and 3 are untouched
		{rows: []kv{{1, "a"}, {2, "B"}, {3, "c"}, {5, "e"}},
			want: []kv{{1, "a"}, {2, "B"}, {3, "c"}, {5, "e"}}, res: sdk.CommitResult{RowsInserted: 1, RowsUpdated: 1, RowsDeleted: 1}},
		// the same snapshot again changes nothing
		{rows: []kv{{1, "a"}, {2, "B"}, {3, "c"}, {5, "e"}},
			want: []kv{{1, "a"}, {2, "B"}, {3, "c"}, {5, "e"}}},
		// three of four rows would go: the guard (0.5 by default) refuses
		{rows: []kv{{1, "a"}},
			want: []kv{{1, "a"}, {2, "B"}, {3, "c"}, {5, "e"}}, err: "would delete 3 of 4 target rows (ratio 0.750 > max_delete_ratio 0.5)"},
		{strategy: `{"max_delete_ratio": 0.7}`, rows: []kv{{1, "a"}},
			want: []kv{{1, "a"}, {2, "B"}, {3, "c"}, {5, "e"}}, err: "ratio 0.750 > max_delete_ratio 0.7"},
		{strategy: `{"max_delete_ratio": 1, "deletes": "hard"}`, rows: []kv{{1, "a"}, {1, "a2"}},
			want: []kv{{1, "a2"}}, res: sdk.CommitResult{RowsUpdated: 1, RowsDeleted: 3}},
	})
	// unchanged rows keep the lineage of the load that last changed them
	var run string
	if err := conn.QueryRow(context.Background(), "SELECT _dpone_run_id FROM sinktest.snap_hard WHERE id = 1").Scan(&run); err != nil {
		t.Fatal(err)
	}
	if run != "r-snap_hard-5" {
		t.Errorf("lineage of a changed row: got %q, want r-snap_hard-5", run)
	}
}

func TestSnapshotDiffSoft(t *testing.T) {
	cfg, conn := testDB(t)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE IF EXISTS sinktest.snap_soft") })
	soft := `{"deletes": "soft"}`
	runSteps(t, cfg, "snap_soft", sdk.ModeSnapshotDiff, []string{"id"}, []modeStep{
		{strategy: soft, rows: []kv{{1, "a"}, {2, "b"}, {3, "c"}},
			want: []kv{{1, "a"}, {2, "b"}, {3, "c"}}, res: sdk.CommitResult{RowsInserted: 3}},
		// 2 disappears: kept, marked deleted
		{strategy: soft, rows: []kv{{1, "a"}, {3, "C"}},
			want: []kv{{1, "a"}, {2, "b"}, {3, "C"}}, res: sdk.CommitResult{RowsUpdated: 1, RowsDeleted: 1}},
		// soft-deleted rows do not count as live: 1 of 2 live rows is 0.5
		{strategy: soft, rows: []kv{{3, "C"}},
			want: []kv{{1, "a"}, {2, "b"}, {3, "C"}}, res: sdk.CommitResult{RowsDeleted: 1}},
		// 1 and 2 come back
		{strategy: soft, rows: []kv{{1, "a"}, {2, "b"}, {3, "C"}},
			want: []kv{{1, "a"}, {2, "b"}, {3, "C"}}, res: sdk.CommitResult{RowsUpdated: 2}},
		{strategy: soft, rows: []kv{{2, "b"}},
			want: []kv{{1, "a"}, {2, "b"}, {3, "C"}}, res: sdk.CommitResult{}, err: "ratio 0.667 > max_delete_ratio 0.5"},
		{strategy: `{"deletes": "soft", "max_delete_ratio": 1}`, rows: []kv{{2, "b"}},
			want: []kv{{1, "a"}, {2, "b"}, {3, "C"}}, res: sdk.CommitResult{RowsDeleted: 2}},
	})
	rows, err := conn.Query(context.Background(), "SELECT id, _dpone_deleted_at FROM sinktest.snap_soft ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]*time.Time{}
	for rows.Next() {
		var id int64
		var at *time.Time
		if err := rows.Scan(&id, &at); err != nil {
			t.Fatal(err)
		}
		got[id] = at
	}
	stamp := time.Date(2026, 11, 26, 5, 0, 0, 0, time.UTC)
	want := map[int64]*time.Time{1: &stamp, 2: nil, 3: &stamp}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("_dpone_deleted_at (-want +got):\n%s", diff)
	}
}

func TestReplace(t *testing.T) {
	cfg, conn := testDB(t)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE IF EXISTS sinktest.repl") })
	runSteps(t, cfg, "repl", sdk.ModeReplace, nil, []modeStep{
		{strategy: `{"where": "id < 100"}`, rows: []kv{{1, "a"}, {2, "b"}, {50, "x"}},
			want: []kv{{1, "a"}, {2, "b"}, {50, "x"}}, res: sdk.CommitResult{RowsInserted: 3}},
		// only the slice id < 10 is replaced
		{strategy: `{"where": "id < 10"}`, rows: []kv{{1, "A"}, {3, "c"}},
			want: []kv{{1, "A"}, {3, "c"}, {50, "x"}}, res: sdk.CommitResult{RowsInserted: 2, RowsDeleted: 2}},
		// and again: a rerun of the same slice is idempotent
		{strategy: `{"where": "id < 10"}`, rows: []kv{{1, "A"}, {3, "c"}},
			want: []kv{{1, "A"}, {3, "c"}, {50, "x"}}, res: sdk.CommitResult{RowsInserted: 2, RowsDeleted: 2}},
		// a staged row outside the slice would be duplicated by a rerun
		{strategy: `{"where": "id < 10"}`, rows: []kv{{1, "A"}, {11, "z"}, {12, ""}},
			want: []kv{{1, "A"}, {3, "c"}, {50, "x"}}, err: "2 staged rows fall outside strategy.where"},
		{strategy: `{"where": "no_such_column = 1"}`, rows: []kv{{1, "A"}},
			want: []kv{{1, "A"}, {3, "c"}, {50, "x"}}, err: "strategy.where"},
		// an empty slice deletes nothing
		{strategy: `{"where": "name = 'q'"}`, rows: []kv{{7, "q"}},
			want: []kv{{1, "A"}, {3, "c"}, {7, "q"}, {50, "x"}}, res: sdk.CommitResult{RowsInserted: 1}},
	})
}

func TestPartitionReplace(t *testing.T) {
	cfg, conn := testDB(t)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE IF EXISTS sinktest.parts") })
	runSteps(t, cfg, "parts", sdk.ModePartitionReplace, nil, []modeStep{
		{strategy: `{"partition_by": "name"}`, rows: []kv{{1, "a"}, {2, "a"}, {3, "b"}, {4, ""}},
			want: []kv{{1, "a"}, {2, "a"}, {3, "b"}, {4, ""}}, res: sdk.CommitResult{RowsInserted: 4}},
		// partitions a and NULL are replaced, b is kept
		{strategy: `{"partition_by": ["name"]}`, rows: []kv{{5, "a"}, {6, ""}},
			want: []kv{{3, "b"}, {5, "a"}, {6, ""}}, res: sdk.CommitResult{RowsInserted: 2, RowsDeleted: 3}},
		// a rerun replaces the same partitions: idempotent
		{strategy: `{"partition_by": ["name"]}`, rows: []kv{{5, "a"}, {6, ""}},
			want: []kv{{3, "b"}, {5, "a"}, {6, ""}}, res: sdk.CommitResult{RowsInserted: 2, RowsDeleted: 2}},
		// by two columns: only the (id, name) pairs staged
		{strategy: `{"partition_by": ["id", "name"]}`, rows: []kv{{3, "b"}, {3, "c"}},
			want: []kv{{3, "b"}, {3, "c"}, {5, "a"}, {6, ""}}, res: sdk.CommitResult{RowsInserted: 2, RowsDeleted: 1}},
		{strategy: `{"partition_by": ["region"]}`, rows: []kv{{9, "z"}},
			want: []kv{{3, "b"}, {3, "c"}, {5, "a"}, {6, ""}}, err: `partition_by column "region" is not in the loaded columns`},
	})
}

func TestModeOptionErrors(t *testing.T) {
	cfg, _ := testDB(t)
	c := New().(*Connector)
	tests := []struct {
		name, mode, strategy string
		keys                 []string
		want                 string
	}{
		{"snapshot_diff without key", sdk.ModeSnapshotDiff, `{}`, nil, "needs sink.strategy.unique_key"},
		{"bad deletes", sdk.ModeSnapshotDiff, `{"deletes": "maybe"}`, []string{"id"}, `strategy.deletes "maybe"`},
		{"bad ratio", sdk.ModeSnapshotDiff, `{"max_delete_ratio": 2}`, []string{"id"}, "max_delete_ratio 2"},
		{"replace without where", sdk.ModeReplace, `{}`, nil, "needs sink.strategy.where"},
		{"partition_replace without columns", sdk.ModePartitionReplace, `{}`, nil, "needs sink.strategy.partition_by"},
		// A misspelt key or a partition_by of the wrong type never reaches
		// the sink: the protocol's builder refuses it (proto/loadopts).
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.BeginLoad(context.Background(), modeReq(cfg, "opt", "x", tc.mode, tc.strategy, tc.keys...))
			if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v (%v), want CONFIG containing %q", sdk.CodeOf(err), err, tc.want)
			}
		})
	}
}
