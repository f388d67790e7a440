package kafka

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// diffLoad commits a snapshot_diff load of ids into topic.
func diffLoad(t *testing.T, topic, name, strategy string, ids ...int64) (sdk.CommitResult, error) {
	t.Helper()
	req := sinkLoad(t, topic, "load-"+name+"-"+topic, sdk.ModeSnapshotDiff, []string{"id"}, `{}`)
	if err := json.Unmarshal([]byte(strategy), &req.Load.Strategy); err != nil {
		t.Fatal(err)
	}
	stage(t, req, ids...)
	return New().(*Connector).CommitLoad(context.Background(), req, nil)
}

// TestSinkSnapshotDiff: snapshot_diff publishes the snapshot and, in the
// same transaction, a tombstone for every live key it lacks (deletes:
// hard) or that key's latest value with _dpone_deleted_at (soft); a
// compacted read converges to the snapshot; max_delete_ratio refuses a
// load that would delete too much and publishes nothing.
func TestSinkSnapshotDiff(t *testing.T) {
	for _, soft := range []bool{false, true} {
		strategy := `{"deletes":"hard","max_delete_ratio":1}`
		if soft {
			strategy = `{"deletes":"soft","max_delete_ratio":1}`
		}
		t.Run(strategy, func(t *testing.T) {
			topic := testTopic("diff")
			if _, err := diffLoad(t, topic, "a", strategy, 1, 2, 3, 4); err != nil {
				t.Fatal(err)
			}
			res, err := diffLoad(t, topic, "b", strategy, 3, 4, 5)
			if err != nil {
				t.Fatal(err)
			}
			if res.RowsDeleted != 2 || res.RowsInserted != 3 {
				t.Errorf("second load: got %+v, want 3 inserted, 2 deleted", res)
			}
			out, err := readTopic(t, topic, `{"compact":true}`, sdk.ReadFull, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := map[int64]any{}
			for _, r := range out.rows {
				if r[colError] != nil {
					t.Fatalf("poison row: %v", r[colError])
				}
				got[r["id"].(int64)] = r[sdk.DeletedAtColumn] != nil
			}
			want := map[int64]any{3: false, 4: false, 5: false}
			if soft {
				want[1], want[2] = true, true
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("ids (deleted_at set) after the diff (-want +got):\n%s", d)
			}
			// 2 of 3 live keys would go: refused at the default ratio 0.5.
			if _, err := diffLoad(t, topic, "c", `{}`, 5); sdk.CodeOf(err) != sdk.CodeData {
				t.Errorf("a diff deleting 2 of 3: got %v, want a DATA error (max_delete_ratio)", err)
			}
		})
	}
}
