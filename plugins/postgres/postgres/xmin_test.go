package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/sdk"
)

// logWriter is a memWriter that keeps Log messages.
type logWriter struct {
	*memWriter
	logs []string
}

func (w *logWriter) Log(level sdk.LogLevel, msg string) error {
	w.logs = append(w.logs, fmt.Sprintf("%d %s", level, msg))
	return nil
}

const xminOpts = `{"incremental_strategy": "xmin"}`

// xminReadIDs reads public.<table> with the xmin strategy from prior and
// returns the sorted ids (column 0), the checkpoint and the logs.
func xminReadIDs(t *testing.T, cfg json.RawMessage, table string, prior []byte) ([]int32, xminCheckpoint, []string) {
	t.Helper()
	w := &logWriter{memWriter: &memWriter{}}
	defer w.release()
	req := sdk.ReadRequest{Config: cfg, Namespace: "public", Stream: table, Mode: sdk.ReadIncremental,
		Options: json.RawMessage(xminOpts), PriorState: prior}
	if err := New().(*Connector).Read(context.Background(), req, w); err != nil {
		t.Fatal(err)
	}
	var ids []int32
	for _, r := range w.rows() {
		ids = append(ids, r[0].(int32))
	}
	slices.Sort(ids)
	if len(w.checkpoints) != 1 {
		t.Fatalf("got %d checkpoints, want 1 after the last record", len(w.checkpoints))
	}
	var cp xminCheckpoint
	if err := json.Unmarshal(w.checkpoints[0], &cp); err != nil {
		t.Fatal(err)
	}
	if cp.V != 1 || cp.Strategy != "xmin" || cp.Xmin == 0 || cp.Xmin > cp.SnapshotXmax {
		t.Fatalf("got checkpoint %s, want v1 xmin with 0 < xmin <= snapshot_xmax", w.checkpoints[0])
	}
	return ids, cp, w.logs
}

func marshalCP(t *testing.T, cp xminCheckpoint) []byte {
	t.Helper()
	b, err := json.Marshal(cp)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantXminIDs checks an incremental read: exactly want when the prior snapshot
// had nothing in progress, else (other sessions of the shared server were
// busy) at least want: the strategy re-reads rows of transactions that
// were in flight then.
func wantXminIDs(t *testing.T, what string, prior xminCheckpoint, got, want []int32) {
	t.Helper()
	if prior.Xmin == prior.SnapshotXmax {
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", what, diff)
		}
		return
	}
	for _, id := range want {
		if !slices.Contains(got, id) {
			t.Errorf("%s: got %v, want it to contain %d", what, got, id)
		}
	}
}

func TestXminIncremental(t *testing.T) {
	cfg, conn := testDB(t)
	mustExec(t, conn, `CREATE TABLE public.xm (id int PRIMARY KEY, v text);
		INSERT INTO public.xm SELECT g, 'v' || g FROM generate_series(1, 3) g`)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE public.xm") })

	all, cp1, _ := xminReadIDs(t, cfg, "xm", nil)
	if diff := cmp.Diff([]int32{1, 2, 3}, all); diff != "" {
		t.Fatalf("first read (-want +got):\n%s", diff)
	}

	// An insert and an update between reads.
	mustExec(t, conn, "INSERT INTO public.xm VALUES (4, 'v4')")
	mustExec(t, conn, "UPDATE public.xm SET v = 'changed' WHERE id = 2")
	got, cp2, _ := xminReadIDs(t, cfg, "xm", marshalCP(t, cp1))
	wantXminIDs(t, "after insert and update", cp1, got, []int32{2, 4})

	// Nothing changed.
	got, cp3, _ := xminReadIDs(t, cfg, "xm", marshalCP(t, cp2))
	wantXminIDs(t, "no changes", cp2, got, nil)

	// VACUUM FREEZE keeps the raw xmin: a frozen new row is still read.
	mustExec(t, conn, "INSERT INTO public.xm VALUES (5, 'v5')")
	mustExec(t, conn, "VACUUM (FREEZE) public.xm")
	got, _, _ = xminReadIDs(t, cfg, "xm", marshalCP(t, cp3))
	wantXminIDs(t, "after VACUUM FREEZE", cp3, got, []int32{5})
}

// TestXminLateCommit: a transaction in progress during a read commits
// afterwards; the next read gets its rows (a subtransaction's too), and
// the rows of transactions that committed after it began come again.
func TestXminLateCommit(t *testing.T) {
	cfg, conn := testDB(t)
	mustExec(t, conn, `CREATE TABLE public.xl (id int PRIMARY KEY, v text); INSERT INTO public.xl VALUES (1, 'a')`)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE public.xl") })
	_, cp0, _ := xminReadIDs(t, cfg, "xl", nil)

	late, err := pgx.Connect(context.Background(), testDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close(context.Background())
	mustExec(t, late, "BEGIN")
	mustExec(t, late, "INSERT INTO public.xl VALUES (10, 'late')")
	mustExec(t, late, "SAVEPOINT s; INSERT INTO public.xl VALUES (12, 'late, subtransaction'); RELEASE SAVEPOINT s")
	mustExec(t, conn, "INSERT INTO public.xl VALUES (11, 'committed while 10 was open')")

	got, cpA, _ := xminReadIDs(t, cfg, "xl", marshalCP(t, cp0))
	wantXminIDs(t, "read while a transaction is open", cp0, got, []int32{11})
	if slices.Contains(got, 10) || slices.Contains(got, 12) {
		t.Fatalf("read while a transaction is open: got %v, want no uncommitted rows", got)
	}
	if cpA.Xmin >= cpA.SnapshotXmax {
		t.Fatalf("got checkpoint %+v, want xmin < snapshot_xmax (a transaction in progress)", cpA)
	}
	mustExec(t, late, "COMMIT")

	got, _, logs := xminReadIDs(t, cfg, "xl", marshalCP(t, cpA))
	for _, id := range []int32{10, 11, 12} {
		if !slices.Contains(got, id) {
			t.Errorf("read after the late commit: got %v, want %d among them (11 read again: documented)", got, id)
		}
	}
	if slices.Contains(got, 1) {
		t.Errorf("read after the late commit: got %v, want no row 1 (written before the first read)", got)
	}
	if !slices.ContainsFunc(logs, func(l string) bool { return strings.Contains(l, "read again") }) {
		t.Errorf("got logs %q, want an INFO about rows read again", logs)
	}
}

func TestXminFallback(t *testing.T) {
	cfg, conn := testDB(t)
	mustExec(t, conn, `CREATE TABLE public.xf (id int PRIMARY KEY); INSERT INTO public.xf VALUES (1), (2)`)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE public.xf") })
	_, cp, _ := xminReadIDs(t, cfg, "xf", nil)

	tests := []struct {
		name string
		cp   xminCheckpoint
	}{
		{"checkpoint in the future", xminCheckpoint{V: 1, Strategy: "xmin", Xmin: cp.Xmin + 5<<32, SnapshotXmax: cp.Xmin + 5<<32}},
		{"checkpoint one epoch ahead, same low bits", xminCheckpoint{V: 1, Strategy: "xmin", Xmin: cp.Xmin + 1<<32, SnapshotXmax: cp.SnapshotXmax + 1<<32}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, next, logs := xminReadIDs(t, cfg, "xf", marshalCP(t, tc.cp))
			if diff := cmp.Diff([]int32{1, 2}, got); diff != "" {
				t.Errorf("fallback read (-want +got):\n%s", diff)
			}
			if next.Xmin >= tc.cp.Xmin {
				t.Errorf("got next checkpoint xmin %d, want the server's (< %d)", next.Xmin, tc.cp.Xmin)
			}
			want := fmt.Sprintf("%d xmin: checkpoint xmin %d is beyond the wraparound horizon", sdk.LevelWarn, tc.cp.Xmin)
			if !slices.ContainsFunc(logs, func(l string) bool {
				return strings.HasPrefix(l, want) && strings.HasSuffix(l, "; reading the whole table")
			}) {
				t.Errorf("got logs %q, want a WARN starting %q", logs, want)
			}
		})
	}
}

// TestXminFallbackGRPC: the fallback warning travels as a Log message.
func TestXminFallbackGRPC(t *testing.T) {
	cfg, conn := testDB(t)
	mustExec(t, conn, `CREATE TABLE public.xg (id int PRIMARY KEY); INSERT INTO public.xg VALUES (1)`)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE public.xg") })
	cc := grpcClient(t)
	stream, err := cc.Read(context.Background(), &connectorv1.ReadRequest{ConfigJson: cfg, Namespace: "public", Stream: "xg",
		Mode: connectorv1.SourceMode_SOURCE_MODE_INCREMENTAL, OptionsJson: []byte(xminOpts),
		PriorState: []byte(`{"v":1,"strategy":"xmin","xmin":9223372036854775000,"snapshot_xmax":9223372036854775000}`)})
	if err != nil {
		t.Fatal(err)
	}
	var warn string
	var rows int64
	var cps int
	for {
		msg, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch m := msg.Msg.(type) {
		case *connectorv1.ReadMessage_Log:
			if m.Log.GetLevel() == connectorv1.Log_LEVEL_WARN {
				warn = m.Log.GetMessage()
			}
		case *connectorv1.ReadMessage_Batch:
			rows += m.Batch.GetRows()
		case *connectorv1.ReadMessage_Checkpoint:
			cps++
		case *connectorv1.ReadMessage_Error:
			t.Fatalf("read error: %v", m.Error)
		}
	}
	if !strings.Contains(warn, "beyond the wraparound horizon") || rows != 1 || cps != 1 {
		t.Errorf("got warning %q, %d rows, %d checkpoints; want the wraparound warning, 1 row, 1 checkpoint", warn, rows, cps)
	}
}

func TestBeyondHorizon(t *testing.T) {
	const e = 1 << 32
	tests := []struct {
		name      string
		from, cur uint64
		want      bool
	}{
		{"same", 1000, 1000, false},
		{"behind", 1000, 5000, false},
		{"exactly 2^31 behind", 10, 10 + 1<<31, false},
		{"more than 2^31 behind", 10, 11 + 1<<31, true},
		{"across an epoch", 3*e - 100, 3*e + 100, false},
		{"a whole epoch behind", 2*e + 100, 3*e + 100, true},
		{"ahead", 5001, 5000, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := beyondHorizon(tc.from, tc.cur) != ""; got != tc.want {
				t.Errorf("beyondHorizon(%d, %d): got %v, want %v", tc.from, tc.cur, got, tc.want)
			}
		})
	}
}

// TestXminFilter runs the filter in PostgreSQL over raw 32-bit xids and
// checks it selects those whose 64-bit id (the one within 2^32 below the
// snapshot xmax) is in [from, xmax), within an epoch and across one.
func TestXminFilter(t *testing.T) {
	_, conn := testDB(t)
	const e = 1 << 32
	tests := []struct {
		name      string
		from, max uint64
		raw       []int64
		want      []int64
	}{
		{"same epoch", 2*e + 1000, 2*e + 2000, []int64{2, 3, 999, 1000, 1500, 1999, 2000, 3000, e - 1},
			[]int64{1000, 1500, 1999}},
		{"across the epoch boundary", 2*e - 500, 2*e + 500, []int64{0, 1, 2, 3, 499, 500, 1000, e - 501, e - 500, e - 1},
			[]int64{3, 499, e - 500, e - 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := "SELECT r FROM unnest($1::bigint[]) r WHERE " + xminFilter("r", tc.from, tc.max) + " ORDER BY r"
			rows, err := conn.Query(context.Background(), q, tc.raw)
			if err != nil {
				t.Fatal(err)
			}
			got, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", xminFilter("r", tc.from, tc.max), diff)
			}
		})
	}
}

func TestXminErrors(t *testing.T) {
	cfg, conn := testDB(t)
	mustExec(t, conn, `CREATE TABLE public.xe (id int PRIMARY KEY, ts timestamptz); CREATE VIEW public.xe_v AS SELECT * FROM public.xe`)
	t.Cleanup(func() { mustExec(t, conn, "DROP VIEW public.xe_v; DROP TABLE public.xe") })
	c := New().(*Connector)
	tests := []struct {
		name  string
		table string
		opts  string
		prior string
		want  sdk.Code
	}{
		{"query", "", `{"incremental_strategy": "xmin", "query": "select 1"}`, "", sdk.CodeConfig},
		{"column option", "xe", `{"incremental_strategy": "xmin", "incremental_column": "ts"}`, "", sdk.CodeConfig},
		{"lookback option", "xe", `{"incremental_strategy": "xmin", "lookback": "1 hour"}`, "", sdk.CodeConfig},
		{"a view", "xe_v", xminOpts, "", sdk.CodeConfig},
		{"a column checkpoint", "xe", xminOpts, `{"v":1,"cursor":"2024-01-01 00:00:00+00"}`, sdk.CodeConfig},
		{"an xmin checkpoint for the column strategy", "xe", `{"incremental_strategy": "column", "incremental_column": "ts"}`,
			`{"v":1,"strategy":"xmin","xmin":100,"snapshot_xmax":100}`, sdk.CodeConfig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := sdk.ReadRequest{Config: cfg, Namespace: "public", Stream: tc.table, Mode: sdk.ReadIncremental,
				Options: json.RawMessage(tc.opts)}
			if tc.prior != "" {
				req.PriorState = []byte(tc.prior)
			}
			err := c.Read(context.Background(), req, &memWriter{})
			if got := sdk.CodeOf(err); got != tc.want {
				t.Errorf("got %v (%v), want %v", got, err, tc.want)
			}
		})
	}
}

// TestXminFullRead: a full read with the strategy set reads everything and
// still sends the checkpoint an incremental run can follow.
func TestXminFullRead(t *testing.T) {
	cfg, conn := testDB(t)
	mustExec(t, conn, `CREATE TABLE public.xr (id int PRIMARY KEY); INSERT INTO public.xr VALUES (1), (2)`)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE public.xr") })
	w := &memWriter{}
	defer w.release()
	req := sdk.ReadRequest{Config: cfg, Namespace: "public", Stream: "xr", Mode: sdk.ReadFull, Options: json.RawMessage(xminOpts),
		PriorState: []byte(`{"v":1,"strategy":"xmin","xmin":99999999,"snapshot_xmax":99999999}`)}
	if err := New().(*Connector).Read(context.Background(), req, w); err != nil {
		t.Fatal(err)
	}
	if got := len(w.rows()); got != 2 || len(w.checkpoints) != 1 {
		t.Errorf("got %d rows and %d checkpoints, want 2 and 1", got, len(w.checkpoints))
	}
}

// TestXminPartition: an xmin stream partitions into one descriptor whose
// Read takes its bounds from the imported snapshot.
func TestXminPartition(t *testing.T) {
	cfg, conn := testDB(t)
	mustExec(t, conn, `CREATE TABLE public.xp (id int PRIMARY KEY); INSERT INTO public.xp SELECT generate_series(1, 100)`)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE public.xp") })
	c := New().(*Connector)
	req := sdk.ReadRequest{Config: cfg, Namespace: "public", Stream: "xp", Mode: sdk.ReadIncremental, Options: json.RawMessage(xminOpts)}
	parts, err := c.Partition(context.Background(), req, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 1 {
		t.Fatalf("got %d partitions, want 1 for an incremental stream", len(parts))
	}
	req.Partition = parts[0]
	w := &memWriter{}
	defer w.release()
	if err := c.Read(context.Background(), req, w); err != nil {
		t.Fatal(err)
	}
	var cp xminCheckpoint
	if err := json.Unmarshal(w.lastCheckpoint(), &cp); err != nil || cp.Strategy != "xmin" || cp.Xmin == 0 {
		t.Errorf("got checkpoint %s (%v), want an xmin checkpoint", w.lastCheckpoint(), err)
	}
	if got := len(w.rows()); got != 100 {
		t.Errorf("got %d rows, want 100", got)
	}
}
