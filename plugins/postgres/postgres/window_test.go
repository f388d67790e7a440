package postgres

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// windowRead reads public.<table> incrementally and returns the ids
// (column 0) in read order and the last checkpoint.
func windowRead(t *testing.T, cfg json.RawMessage, table, opts string, prior []byte, mode sdk.ReadMode) ([]int32, []byte) {
	t.Helper()
	w := &memWriter{}
	defer w.release()
	req := sdk.ReadRequest{Config: cfg, Namespace: "public", Stream: table, Mode: mode, Options: json.RawMessage(opts), PriorState: prior}
	if err := New().(*Connector).Read(context.Background(), req, w); err != nil {
		t.Fatal(err)
	}
	var ids []int32
	for _, r := range w.rows() {
		ids = append(ids, r[0].(int32))
	}
	return ids, w.lastCheckpoint()
}

func TestLookback(t *testing.T) {
	cfg, conn := testDB(t)
	mustExec(t, conn, `CREATE TABLE public.lb (id int PRIMARY KEY, ts timestamptz, d date, n bigint, x numeric(10,2));
		INSERT INTO public.lb VALUES
		  (1, '2024-01-01 00:00+00', '2024-01-01', 10, 1.00),
		  (2, '2024-01-01 10:00+00', '2024-01-05', 20, 2.00),
		  (3, '2024-01-01 12:00+00', '2024-01-10', 30, 3.00)`)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE public.lb") })

	tests := []struct {
		name     string
		column   string
		lookback string
		late     string // rows committed after the first read, behind its checkpoint
		// want: the window's rows, except those at the checkpoint's value
		// that the checkpoint recorded as read
		want []int32
	}{
		{"timestamptz, interval", "ts", `"2 hours"`,
			`(4, '2024-01-01 11:00+00', NULL, NULL, NULL), (5, '2024-01-01 09:00+00', NULL, NULL, NULL)`, []int32{2, 4}},
		{"date, interval", "d", `"3 days"`,
			`(4, NULL, '2024-01-08', NULL, NULL), (5, NULL, '2024-01-06', NULL, NULL)`, []int32{4}},
		{"bigint, number", "n", `5`,
			`(4, NULL, NULL, 27, NULL), (5, NULL, NULL, 24, NULL)`, []int32{4}},
		{"numeric, number", "x", `0.5`,
			`(4, NULL, NULL, NULL, 2.50), (5, NULL, NULL, NULL, 2.49)`, []int32{4}},
		{"bigint, zero", "n", `0`,
			`(4, NULL, NULL, 29, NULL), (6, NULL, NULL, 31, NULL)`, []int32{6}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mustExec(t, conn, "DELETE FROM public.lb WHERE id > 3")
			opts := `{"incremental_strategy": "column", "incremental_column": "` + tc.column + `", "null_policy": "skip", "lookback": ` + tc.lookback + `}`
			first, cp := windowRead(t, cfg, "lb", opts, nil, sdk.ReadIncremental)
			if diff := cmp.Diff([]int32{1, 2, 3}, first); diff != "" {
				t.Fatalf("first read (-want +got):\n%s", diff)
			}
			mustExec(t, conn, "INSERT INTO public.lb VALUES "+tc.late)
			got, _ := windowRead(t, cfg, "lb", opts, cp, sdk.ReadIncremental)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("read after late rows, %s back from %s (-want +got):\n%s", tc.lookback, cp, diff)
			}
		})
	}
}

func TestInitialValue(t *testing.T) {
	cfg, conn := testDB(t)
	mustExec(t, conn, `CREATE TABLE public.iv (id int PRIMARY KEY, ts timestamp, n int);
		INSERT INTO public.iv VALUES (1, '2023-12-31 23:59:59', 1), (2, '2024-01-01', 2), (3, '2024-02-01', 3), (4, NULL, NULL)`)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE public.iv") })
	tests := []struct {
		name string
		opts string
		mode sdk.ReadMode
		want []int32
	}{
		{"timestamp, NULLs included once", `"incremental_column": "ts", "initial_value": "2024-01-01"`, sdk.ReadIncremental, []int32{4, 2, 3}},
		{"timestamp, NULLs skipped", `"incremental_column": "ts", "initial_value": "2024-01-01", "null_policy": "skip"`, sdk.ReadIncremental, []int32{2, 3}},
		{"integer given as a number", `"incremental_column": "n", "initial_value": 3, "null_policy": "skip"`, sdk.ReadIncremental, []int32{3}},
		{"a full read ignores it", `"incremental_column": "n", "initial_value": 3, "null_policy": "skip"`, sdk.ReadFull, []int32{1, 2, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, cp := windowRead(t, cfg, "iv", `{"incremental_strategy": "column", `+tc.opts+`}`, nil, tc.mode)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("first read (-want +got):\n%s", diff)
			}
			if cp == nil {
				t.Errorf("got no checkpoint, want one")
			}
		})
	}
	// Once a checkpoint exists, initial_value no longer applies.
	opts := `{"incremental_strategy": "column", "incremental_column": "n", "initial_value": 3}`
	_, cp := windowRead(t, cfg, "iv", opts, nil, sdk.ReadIncremental)
	mustExec(t, conn, "INSERT INTO public.iv VALUES (5, NULL, 4), (6, NULL, 2)")
	got, _ := windowRead(t, cfg, "iv", opts, cp, sdk.ReadIncremental)
	if !slices.Equal(got, []int32{5}) {
		t.Errorf("second read: got %v, want [5]", got)
	}
}

func TestWindowOptionErrors(t *testing.T) {
	cfg, conn := testDB(t)
	mustExec(t, conn, `CREATE TABLE public.we (id int PRIMARY KEY, ts timestamptz, n int, s text); INSERT INTO public.we VALUES (1, now(), 1, 'a')`)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE public.we") })
	prior := map[string]string{"ts": `{"v":1,"cursor":"2024-01-01 00:00:00+00","key":["1"]}`, "n": `{"v":1,"cursor":"1","key":["1"]}`,
		"s": `{"v":1,"cursor":"a","key":["1"]}`}
	tests := []struct {
		name, column, extra string
		want                sdk.Code
	}{
		{"number for a timestamp", "ts", `"lookback": 3600`, sdk.CodeConfig},
		{"not an interval", "ts", `"lookback": "two hours"`, sdk.CodeConfig},
		{"negative interval", "ts", `"lookback": "-2 hours"`, sdk.CodeConfig},
		{"fraction for an integer", "n", `"lookback": 1.5`, sdk.CodeConfig},
		{"negative number", "n", `"lookback": -1`, sdk.CodeConfig},
		{"interval for an integer", "n", `"lookback": "1 hour"`, sdk.CodeConfig},
		{"text cursor", "s", `"lookback": "1"`, sdk.CodeConfig},
		{"not a list", "n", `"lookback": [1]`, sdk.CodeConfig},
		{"bad initial_value", "n", `"initial_value": "x"`, sdk.CodeConfig},
		{"bad initial timestamp", "ts", `"initial_value": "yesterday-ish"`, sdk.CodeConfig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := `{"incremental_strategy": "column", "incremental_column": "` + tc.column + `", ` + tc.extra + `}`
			req := sdk.ReadRequest{Config: cfg, Namespace: "public", Stream: "we", Mode: sdk.ReadIncremental, Options: json.RawMessage(opts)}
			if tc.extra[1] == 'l' {
				req.PriorState = []byte(prior[tc.column])
			}
			err := New().(*Connector).Read(context.Background(), req, &memWriter{})
			if got := sdk.CodeOf(err); got != tc.want {
				t.Errorf("got %v (%v), want %v", got, err, tc.want)
			}
		})
	}
	err := New().(*Connector).Read(context.Background(), sdk.ReadRequest{Config: cfg, Namespace: "public", Stream: "we",
		Options: json.RawMessage(`{"lookback": "1 hour"}`)}, &memWriter{})
	if got := sdk.CodeOf(err); got != sdk.CodeConfig {
		t.Errorf("lookback without a strategy: got %v (%v), want CONFIG", got, err)
	}
}

// TestSafetyLag: only rows with cursor <= now() - safety_lag are read; a
// later read takes the rest once they are old enough; NULL cursors come on
// the first read (include_once); a bad lag or a cursor that is not a time
// is a CONFIG error before any row is read.
func TestSafetyLag(t *testing.T) {
	cfg, conn := testDB(t)
	mustExec(t, conn, `CREATE TABLE public.sl (id int PRIMARY KEY, ts timestamptz, lts timestamp, n int);
		INSERT INTO public.sl VALUES (1, now() - interval '2 hours', localtimestamp - interval '2 hours', 1),
		  (2, now() - interval '10 minutes', localtimestamp - interval '10 minutes', 2), (3, NULL, NULL, 3)`)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE public.sl") })
	for _, col := range []string{"ts", "lts"} {
		t.Run(col, func(t *testing.T) {
			opts := `{"incremental_strategy": "column", "incremental_column": "` + col + `", "safety_lag": "1 hour"}`
			first, cp := windowRead(t, cfg, "sl", opts, nil, sdk.ReadIncremental)
			if diff := cmp.Diff([]int32{3, 1}, first); diff != "" {
				t.Fatalf("first read (-want +got):\n%s", diff)
			}
			// Row 2 grows old enough (as if an hour passed): the next read takes it.
			mustExec(t, conn, "UPDATE public.sl SET ts = ts - interval '1 hour', lts = lts - interval '1 hour' WHERE id = 2")
			got, _ := windowRead(t, cfg, "sl", opts, cp, sdk.ReadIncremental)
			if diff := cmp.Diff([]int32{2}, got); diff != "" {
				t.Errorf("second read (-want +got):\n%s", diff)
			}
			mustExec(t, conn, "UPDATE public.sl SET ts = ts + interval '1 hour', lts = lts + interval '1 hour' WHERE id = 2")
		})
	}
	for _, tc := range []struct{ name, opts, want string }{
		{"not an interval", `"incremental_column": "ts", "safety_lag": "soon"`, "safety_lag \"soon\" is not an interval"},
		{"a number", `"incremental_column": "ts", "safety_lag": 60`, "safety_lag is an interval"},
		{"negative", `"incremental_column": "ts", "safety_lag": "-1 hour"`, "is negative"},
		{"a numeric cursor", `"incremental_column": "n", "safety_lag": "1 hour"`, "safety_lag needs a date or timestamp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := sdk.ReadRequest{Config: cfg, Namespace: "public", Stream: "sl", Mode: sdk.ReadIncremental,
				Options: json.RawMessage(`{"incremental_strategy": "column", ` + tc.opts + `}`)}
			err := New().(*Connector).Read(context.Background(), req, &memWriter{})
			if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want a CONFIG error containing %q", err, tc.want)
			}
		})
	}
}
