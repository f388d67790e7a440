package duckdb

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// TestIncrementalResume reads in three rounds with ties on the cursor and
// checks that no row is lost or read twice.
func TestIncrementalResume(t *testing.T) {
	for _, withKey := range []bool{true, false} {
		name := "cursor and key"
		opts := `{"incremental_strategy":"column","incremental_column":"ts","incremental_key":["id"]}`
		if !withKey {
			name, opts = "cursor only", `{"incremental_strategy":"column","incremental_column":"ts"}`
		}
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			f.exec(`CREATE TABLE main.ev (id INTEGER, ts TIMESTAMP, v VARCHAR)`)
			f.exec(`INSERT INTO ev VALUES (1, '2024-01-01 00:00:00.000001', 'a'), (2, '2024-01-01 00:00:00.000001', 'b'),
				(3, '2024-01-02', 'c'), (4, NULL, 'null cursor')`)
			var state []byte
			read := func() []int32 {
				t.Helper()
				w, err := f.read(sdk.ReadRequest{Stream: "ev", Mode: sdk.ReadIncremental, PriorState: state, Options: json.RawMessage(opts)})
				if err != nil {
					t.Fatal(err)
				}
				if len(w.checkpoints) > 0 {
					state = []byte(w.checkpoints[len(w.checkpoints)-1])
				}
				var ids []int32
				for _, r := range w.values() {
					ids = append(ids, r[0].(int32))
				}
				return ids
			}
			if diff := cmp.Diff([]int32{4, 1, 2, 3}, read()); diff != "" {
				t.Errorf("first read (-want +got):\n%s", diff)
			}
			var cp sdk.CursorState
			if err := json.Unmarshal(state, &cp); err != nil || cp.V != 2 || cp.Cursor == nil || *cp.Cursor != "2024-01-02 00:00:00" || len(cp.Seen) != 1 {
				t.Errorf("got state %s, want v2 at 2024-01-02 00:00:00 with one row seen", state)
			}
			if got := read(); len(got) != 0 {
				t.Errorf("second read without changes: got %v, want nothing", got)
			}
			// A tie on the last cursor value is read, with or without a key;
			// a late arrival behind it is not (no cursor sees it).
			f.exec(`INSERT INTO ev VALUES (5, '2024-01-02', 'tie'), (6, '2024-01-03', 'later'), (0, '2023-12-31', 'late arrival')`)
			want := []int32{5, 6}
			if diff := cmp.Diff(want, read()); diff != "" {
				t.Errorf("third read (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIncrementalCheckpointPerBatch(t *testing.T) {
	f := newFixture(t)
	f.exec(`CREATE TABLE main.big AS SELECT i AS id, (i // 10) AS c, repeat('x', 200) AS pad FROM range(3000) r(i)`)
	opts := json.RawMessage(`{"incremental_strategy":"column","incremental_column":"c","incremental_key":["id"]}`)
	w := &memWriter{batchBytes: 32 << 10}
	req := sdk.ReadRequest{Config: f.cfg, Stream: "big", Mode: sdk.ReadIncremental, Options: opts}
	if err := f.c.Read(t.Context(), req, w); err != nil {
		t.Fatal(err)
	}
	if len(w.checkpoints) < 2 || len(w.recs) < 16 {
		t.Fatalf("got %d checkpoints for %d batches, want one every 16 batches and one at the end", len(w.checkpoints), len(w.recs))
	}
	// Resume from a mid-read checkpoint: the rest follows with no gap.
	mid := 0 // the first checkpoint follows batch 16
	seen := 0
	for _, r := range w.recs[:16] {
		seen += int(r.NumRows())
	}
	w2 := &memWriter{}
	req.PriorState = []byte(w.checkpoints[mid])
	if err := f.c.Read(t.Context(), req, w2); err != nil {
		t.Fatal(err)
	}
	rest := w2.values()
	if seen+len(rest) != 3000 || rest[0][0] != int64(seen) {
		t.Errorf("resume: %d rows before, %d after starting at %v; want 3000 in all starting at %d", seen, len(rest), rest[0][0], seen)
	}
}

// TestIncrementalMigratesV1: a version 1 checkpoint, as the DuckDB source
// wrote it before sdk.Cursor (cursor text from CAST(... AS VARCHAR) and
// the last key), is read as cursor >= its value with nothing dropped (the
// rows at it come again: merge semantics) and a WARN log; the next
// checkpoint is version 2 and nothing is read twice after it.
func TestIncrementalMigratesV1(t *testing.T) {
	f := newFixture(t)
	f.exec(`CREATE TABLE main.mv (id INTEGER, ts TIMESTAMPTZ, v VARCHAR)`)
	f.exec(`INSERT INTO mv VALUES (1, '2024-01-01 00:00:00+00', 'a'), (2, '2024-01-02 00:00:00+00', 'b'),
		(3, '2024-01-02 00:00:00+00', 'c'), (4, '2024-01-03 00:00:00+00', 'd')`)
	opts := json.RawMessage(`{"incremental_strategy":"column","incremental_column":"ts","incremental_key":["id"]}`)
	req := sdk.ReadRequest{Config: f.cfg, Stream: "mv", Mode: sdk.ReadIncremental, Options: opts,
		PriorState: []byte(`{"v":1,"cursor":"2024-01-02 00:00:00+00","key":["2"]}`)}
	w := &logWriter{memWriter: &memWriter{}}
	if err := f.c.Read(t.Context(), req, w); err != nil {
		t.Fatal(err)
	}
	var ids []int32
	for _, r := range w.values() {
		ids = append(ids, r[0].(int32))
	}
	if diff := cmp.Diff([]int32{2, 3, 4}, ids); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if len(w.logs) != 1 || !strings.Contains(w.logs[0], "checkpoint is version 1") {
		t.Errorf("logs: got %q, want the migration WARN", w.logs)
	}
	req.PriorState = []byte(w.checkpoints[len(w.checkpoints)-1])
	again, err := f.read(sdk.ReadRequest{Stream: "mv", Mode: sdk.ReadIncremental, Options: opts, PriorState: req.PriorState})
	if err != nil {
		t.Fatal(err)
	}
	if rows := again.values(); len(rows) != 0 {
		t.Errorf("read after the migrated checkpoint %s: got %v, want none", req.PriorState, rows)
	}
}

// logWriter is a memWriter that keeps Log messages.
type logWriter struct {
	*memWriter
	logs []string
}

func (w *logWriter) Log(_ sdk.LogLevel, msg string) error {
	w.logs = append(w.logs, msg)
	return nil
}
