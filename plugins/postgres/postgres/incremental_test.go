package postgres

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// readIDs runs one Read and returns the ids (column 0) it delivered in
// order, the ids delivered up to the first checkpoint sent along the way,
// and every checkpoint.
func readIDs(t *testing.T, c *Connector, req sdk.ReadRequest, batchBytes int) (ids, beforeFirst []int32, w *memWriter) {
	t.Helper()
	w = &memWriter{batchBytes: batchBytes}
	cw := &cpTracker{memWriter: w}
	if err := c.Read(context.Background(), req, cw); err != nil {
		t.Fatal(err)
	}
	for _, r := range w.rows() {
		ids = append(ids, r[0].(int32))
	}
	if cw.firstAt >= 0 {
		beforeFirst = ids[:cw.firstAt]
	}
	w.release()
	return ids, beforeFirst, w
}

// cpTracker records how many rows came before the first checkpoint.
type cpTracker struct {
	*memWriter
	rows    int
	firstAt int
	seen    bool
}

func (c *cpTracker) Write(rec arrow.RecordBatch) error {
	c.rows += int(rec.NumRows())
	return c.memWriter.Write(rec)
}

func (c *cpTracker) Checkpoint(s []byte) error {
	if !c.seen {
		c.seen, c.firstAt = true, c.rows
	}
	return c.memWriter.Checkpoint(s)
}

func TestIncrementalResume(t *testing.T) {
	cfg, conn := testDB(t)
	mustExec(t, conn, `CREATE TABLE public.ev (id int PRIMARY KEY, updated_at timestamptz, v text);
		INSERT INTO public.ev SELECT g, CASE WHEN g <= 5 THEN NULL ELSE '2024-01-01'::timestamptz + (g / 10) * interval '1 second' END, 'v' || g
		FROM generate_series(1, 3000) g`)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE public.ev") })
	c := New().(*Connector)
	opts := json.RawMessage(`{"incremental_strategy": "column", "incremental_column": "updated_at"}`)
	req := sdk.ReadRequest{Config: cfg, Namespace: "public", Stream: "ev", Mode: sdk.ReadIncremental, Options: opts}

	// First read: everything, NULL cursors first (include_once).
	all, before, w := readIDs(t, c, req, 256)
	if len(all) != 3000 {
		t.Fatalf("first read: got %d rows, want 3000", len(all))
	}
	if diff := cmp.Diff([]int32{1, 2, 3, 4, 5}, all[:5]); diff != "" {
		t.Errorf("NULL cursors first (-want +got):\n%s", diff)
	}
	if len(w.checkpoints) < 2 || before == nil {
		t.Fatalf("got %d checkpoints, want some along the way and one at the end", len(w.checkpoints))
	}

	// Crash after the first checkpoint: resuming from it delivers exactly the rest.
	req.PriorState = w.checkpoints[0]
	rest, _, _ := readIDs(t, c, req, 1<<20)
	got := append(slices.Clone(before), rest...)
	slices.Sort(got)
	want := make([]int32, 3000)
	for i := range want {
		want[i] = int32(i + 1)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resume from a checkpoint mid-read: gaps or duplicates (-want +got):\n%s", diff)
	}

	// New rows: a tie on the last cursor, a NULL cursor, later cursors.
	final := w.lastCheckpoint()
	mustExec(t, conn, `INSERT INTO public.ev VALUES
		(3001, (SELECT max(updated_at) FROM public.ev), 'tie'), (3002, NULL, 'null'),
		(3003, '2030-01-01', 'later'), (3004, '2030-01-01', 'later-tie')`)
	req.PriorState = final
	next, _, w2 := readIDs(t, c, req, 1<<20)
	if diff := cmp.Diff([]int32{3001, 3003, 3004}, next); diff != "" {
		t.Errorf("second read (-want +got):\n%s", diff)
	}
	// Nothing new: no rows, same resume point.
	req.PriorState = w2.lastCheckpoint()
	none, _, w3 := readIDs(t, c, req, 1<<20)
	if len(none) != 0 {
		t.Errorf("third read: got %v, want no rows", none)
	}
	if diff := cmp.Diff(string(req.PriorState), string(w3.lastCheckpoint())); diff != "" {
		t.Errorf("checkpoint after an empty read (-want +got):\n%s", diff)
	}
	var cp sdk.CursorState
	if err := json.Unmarshal(w3.lastCheckpoint(), &cp); err != nil || cp.V != 2 || cp.Cursor == nil || *cp.Cursor != "2030-01-01 00:00:00+00" || len(cp.Seen) != 2 {
		t.Errorf("got checkpoint %s, want v2 cursor 2030-01-01 00:00:00+00 with the 2 rows seen at it", w3.lastCheckpoint())
	}
}

func TestIncrementalNullPolicies(t *testing.T) {
	cfg, conn := testDB(t)
	mustExec(t, conn, `CREATE TABLE public.np (id int PRIMARY KEY, seq bigint);
		INSERT INTO public.np VALUES (1, NULL), (2, 10), (3, 10), (4, NULL), (5, 20)`)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE public.np") })
	c := New().(*Connector)
	tests := []struct {
		policy string
		want   []int32
		code   sdk.Code
	}{
		{"include_once", []int32{1, 4, 2, 3, 5}, 0},
		{"skip", []int32{2, 3, 5}, 0},
		{"fail", nil, sdk.CodeData},
	}
	for _, tc := range tests {
		t.Run(tc.policy, func(t *testing.T) {
			opts := `{"incremental_strategy": "column", "incremental_column": "seq", "null_policy": "` + tc.policy + `"}`
			req := sdk.ReadRequest{Config: cfg, Namespace: "public", Stream: "np", Mode: sdk.ReadIncremental, Options: json.RawMessage(opts)}
			w := &memWriter{}
			err := c.Read(context.Background(), req, w)
			if tc.code != 0 {
				if sdk.CodeOf(err) != tc.code {
					t.Fatalf("got %v, want %v", err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []int32
			for _, r := range w.rows() {
				got = append(got, r[0].(int32))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
}

// TestIncrementalMigratesV1 reads from a version 1 checkpoint (cursor,
// key) of a query: cursor >= the checkpoint's value, nothing dropped (rows
// at that value come again: merge semantics), a WARN log saying so, and a
// version 2 checkpoint after which nothing is read twice.
func TestIncrementalMigratesV1(t *testing.T) {
	cfg, conn := testDB(t)
	mustExec(t, conn, `CREATE TABLE public.qk (a int, b text, n numeric(10,3));
		INSERT INTO public.qk VALUES (1, 'x', 1.5), (2, 'y', 1.5), (3, 'z', 2.25), (0, 'a', 1.25)`)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE public.qk") })
	c := New().(*Connector)
	opts := json.RawMessage(`{"query": "select a, b, n from public.qk", "incremental_strategy": "column",
		"incremental_column": "n", "incremental_key": ["b"]}`)
	req := sdk.ReadRequest{Config: cfg, Mode: sdk.ReadIncremental, Options: opts,
		PriorState: json.RawMessage(`{"v":1,"cursor":"1.500","key":["x"]}`)}
	w := &logWriter{memWriter: &memWriter{}}
	if err := c.Read(context.Background(), req, w); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]any{{int32(1), "x", "1.500"}, {int32(2), "y", "1.500"}, {int32(3), "z", "2.250"}}, w.rows()); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if len(w.logs) != 1 || !strings.Contains(w.logs[0], "checkpoint is version 1") || !strings.Contains(w.logs[0], "n >= 1.500") {
		t.Errorf("got logs %q, want one WARN about the version 1 checkpoint", w.logs)
	}
	var cp sdk.CursorState
	if err := json.Unmarshal(w.lastCheckpoint(), &cp); err != nil || cp.V != 2 || *cp.Cursor != "2.250" || len(cp.Seen) != 1 {
		t.Errorf("checkpoint: got %s, want v2 at 2.250 with one row seen", w.lastCheckpoint())
	}
	req.PriorState = w.lastCheckpoint()
	again := &memWriter{}
	if err := c.Read(context.Background(), req, again); err != nil {
		t.Fatal(err)
	}
	if rows := again.rows(); len(rows) != 0 {
		t.Errorf("read after the migrated checkpoint: got %v, want none", rows)
	}
}
