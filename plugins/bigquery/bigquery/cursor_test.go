package bigquery

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	bq "google.golang.org/api/bigquery/v2"

	"github.com/dpone-go/dpone/sdk"
)

// cursorTable is the relation the read SQL tests select from.
var cursorTable = arrowSchema(&bq.TableSchema{Fields: []*bq.TableFieldSchema{
	{Name: "id", Type: "INT64", Mode: "REQUIRED"},
	{Name: "updated_at", Type: "TIMESTAMP"},
	{Name: "day", Type: "DATE"},
	{Name: "amount", Type: "NUMERIC"},
	{Name: "note", Type: "STRING"},
	{Name: "doc", Type: "JSON"},
}})

// testSource resolves a read of landing.orders with options.
func testSource(t *testing.T, mode sdk.ReadMode, options string, prior *sdk.CursorState, columns ...string) (*source, error) {
	t.Helper()
	req := sdk.ReadRequest{Config: []byte(testConfig), Stream: "orders", Mode: mode, Options: []byte(options), Columns: columns}
	if prior != nil {
		req.PriorState, _ = json.Marshal(prior)
	}
	return resolveSource(req)
}

// TestReadSQLGolden renders the query job of query and incremental reads:
// bounds from the checkpoint, lookback, safety lag, NULL policies,
// initial_value, a query source and projected columns.
func TestReadSQLGolden(t *testing.T) {
	at := "2026-12-01 10:00:00.5+00"
	day := "2026-12-01"
	for _, tc := range []struct {
		name, options string
		mode          sdk.ReadMode
		prior         *sdk.CursorState
		columns       []string
	}{
		{name: "first_read", mode: sdk.ReadIncremental, options: `{"incremental_strategy":"column","incremental_column":"updated_at","incremental_key":["id"]}`},
		{name: "resume", mode: sdk.ReadIncremental, options: `{"incremental_strategy":"column","incremental_column":"updated_at","incremental_key":["id"]}`,
			prior: &sdk.CursorState{V: 2, Strategy: "column", Cursor: &at, Seen: []string{"x"}}},
		{name: "lookback_safety_lag", mode: sdk.ReadIncremental, options: `{"incremental_strategy":"column","incremental_column":"updated_at","lookback":"2 hours","safety_lag":"5 minutes"}`,
			prior: &sdk.CursorState{V: 2, Strategy: "column", Cursor: &at}},
		{name: "date_lookback", mode: sdk.ReadIncremental, options: `{"incremental_strategy":"column","incremental_column":"day","lookback":"3 days","null_policy":"skip"}`,
			prior: &sdk.CursorState{V: 2, Strategy: "column", Cursor: &day}},
		{name: "numeric_initial_value", mode: sdk.ReadIncremental, options: `{"incremental_strategy":"column","incremental_column":"amount","initial_value":100,"lookback":5}`},
		{name: "full_with_cursor", mode: sdk.ReadFull, options: `{"incremental_strategy":"column","incremental_column":"updated_at"}`,
			prior: &sdk.CursorState{V: 2, Strategy: "column", Cursor: &at}},
		{name: "query", mode: sdk.ReadFull, options: `{"query":"SELECT id, note FROM shop.orders WHERE note IS NOT NULL;"}`},
		{name: "columns", mode: sdk.ReadIncremental, options: `{"incremental_strategy":"column","incremental_column":"updated_at","incremental_key":["id"]}`,
			columns: []string{"note"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := testSource(t, tc.mode, tc.options, tc.prior, tc.columns...)
			if err != nil {
				t.Fatal(err)
			}
			var cur *cursor
			var need []string
			if s.opts.IncrementalStrategy == "column" {
				if cur, err = newCursor(s, cursorTable); err != nil {
					t.Fatal(err)
				}
				need = cur.Columns()
			}
			cols, err := project(cursorTable, tc.columns, need)
			if err != nil {
				t.Fatal(err)
			}
			sql, params, err := readSQL(s.from(), cols, cur)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			b.WriteString(sql + "\n")
			for _, k := range sortedKeys(params) {
				fmt.Fprintf(&b, "-- @%s = %q\n", k, params[k])
			}
			golden(t, "read/"+tc.name+".sql", b.String())
		})
	}
}

// TestSourceOptionErrors: options a read cannot honour are refused
// before any call, naming the key.
func TestSourceOptionErrors(t *testing.T) {
	for _, tc := range []struct {
		name, options string
		mode          sdk.ReadMode
		want          sdk.Code
		says          string
	}{
		{"unknown key", `{"querry":"x"}`, sdk.ReadFull, sdk.CodeConfig, "querry"},
		{"column without strategy", `{"incremental_column":"id"}`, sdk.ReadFull, sdk.CodeConfig, "incremental_strategy"},
		{"strategy without column", `{"incremental_strategy":"column"}`, sdk.ReadIncremental, sdk.CodeConfig, "incremental_column"},
		{"xmin", `{"incremental_strategy":"xmin"}`, sdk.ReadIncremental, sdk.CodeUnsupported, "column"},
		{"bad read_api", `{"read_api":"grpc"}`, sdk.ReadFull, sdk.CodeConfig, "read_api"},
		{"storage with query", `{"read_api":"storage","query":"SELECT 1"}`, sdk.ReadFull, sdk.CodeConfig, "read_api"},
		{"incremental without options", `{}`, sdk.ReadIncremental, sdk.CodeConfig, "incremental_strategy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := testSource(t, tc.mode, tc.options, nil)
			if got := sdk.CodeOf(err); got != tc.want || err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("got %v (%v), want %v naming %q", got, err, tc.want, tc.says)
			}
		})
	}
	for _, tc := range []struct{ name, options, says string }{
		{"missing column", `{"incremental_strategy":"column","incremental_column":"nope"}`, "nope"},
		{"json cursor", `{"incremental_strategy":"column","incremental_column":"doc"}`, "JSON"},
		{"interval lookback on a number", `{"incremental_strategy":"column","incremental_column":"id","lookback":"2 hours"}`, "lookback"},
		{"number lookback on a timestamp", `{"incremental_strategy":"column","incremental_column":"updated_at","lookback":7200}`, "lookback"},
		{"two-unit interval", `{"incremental_strategy":"column","incremental_column":"updated_at","lookback":"1 hour 30 minutes"}`, "one unit"},
		{"safety_lag on a number", `{"incremental_strategy":"column","incremental_column":"id","safety_lag":"5 minutes"}`, "safety_lag"},
		{"missing key", `{"incremental_strategy":"column","incremental_column":"id","incremental_key":["k"]}`, "incremental_key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := "2026-12-01 10:00:00+00"
			s, err := testSource(t, sdk.ReadIncremental, tc.options, &sdk.CursorState{V: 2, Strategy: "column", Cursor: &at})
			if err != nil {
				t.Fatal(err)
			}
			_, err = newCursor(s, cursorTable)
			if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("got %v, want CONFIG naming %q", err, tc.says)
			}
		})
	}
}

// TestCursorTextTime: a TIME cursor is written with microseconds, the
// precision BigQuery casts back (sdk.CursorText writes nine digits).
func TestCursorTextTime(t *testing.T) {
	b := array.NewTime64Builder(memory.DefaultAllocator, arrow.FixedWidthTypes.Time64us.(*arrow.Time64Type))
	defer b.Release()
	b.Append(arrow.Time64(13*3600e6 + 5*60e6 + 7e6 + 42))
	arr := b.NewArray()
	defer arr.Release()
	if got, _ := cursorText(arr, 0); got != "13:05:07.000042" {
		t.Errorf("got %q, want 13:05:07.000042", got)
	}
}
