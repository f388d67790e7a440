package duckdb

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// windowRead reads main.<table> and returns the ids (column 0) in read
// order and the last checkpoint.
func (f *fixture) windowRead(table, opts string, prior []byte, mode sdk.ReadMode) ([]int32, []byte) {
	f.t.Helper()
	w, err := f.read(sdk.ReadRequest{Stream: table, Mode: mode, PriorState: prior, Options: json.RawMessage(opts)})
	if err != nil {
		f.t.Fatal(err)
	}
	var ids []int32
	for _, r := range w.values() {
		ids = append(ids, r[0].(int32))
	}
	var cp []byte
	if len(w.checkpoints) > 0 {
		cp = []byte(w.checkpoints[len(w.checkpoints)-1])
	}
	return ids, cp
}

func TestLookback(t *testing.T) {
	tests := []struct {
		name     string
		column   string
		lookback string
		late     string // rows committed after the first read, behind its checkpoint
		// want: the window's rows, except those at the checkpoint's value
		// that the checkpoint recorded as read
		want []int32
	}{
		{"timestamp, interval", "ts", `"2 hours"`,
			`(4, '2024-01-01 11:00', NULL, NULL, NULL, NULL), (5, '2024-01-01 09:00', NULL, NULL, NULL, NULL)`, []int32{2, 4}},
		{"date, interval", "d", `"3 days"`,
			`(4, NULL, '2024-01-08', NULL, NULL, NULL), (5, NULL, '2024-01-06', NULL, NULL, NULL)`, []int32{4}},
		{"bigint, number", "n", `5`,
			`(4, NULL, NULL, 27, NULL, NULL), (5, NULL, NULL, 24, NULL, NULL)`, []int32{4}},
		{"decimal, number", "x", `0.5`,
			`(4, NULL, NULL, NULL, 2.50, NULL), (5, NULL, NULL, NULL, 2.49, NULL)`, []int32{4}},
		{"unsigned, larger than the cursor", "u", `"100"`,
			`(4, NULL, NULL, NULL, NULL, 0)`, []int32{4, 1, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.exec(`CREATE TABLE main.lb (id INTEGER, ts TIMESTAMP, d DATE, n BIGINT, x DECIMAL(10,2), u UINTEGER)`)
			f.exec(`INSERT INTO lb VALUES
				(1, '2024-01-01 00:00', '2024-01-01', 10, 1.00, 1),
				(2, '2024-01-01 10:00', '2024-01-05', 20, 2.00, 2),
				(3, '2024-01-01 12:00', '2024-01-10', 30, 3.00, 3)`)
			opts := `{"incremental_strategy":"column","incremental_column":"` + tc.column + `","incremental_key":["id"],"lookback":` + tc.lookback + `}`
			first, cp := f.windowRead("lb", opts, nil, sdk.ReadIncremental)
			if diff := cmp.Diff([]int32{1, 2, 3}, first); diff != "" {
				t.Fatalf("first read (-want +got):\n%s", diff)
			}
			f.exec("INSERT INTO lb VALUES " + tc.late)
			got, _ := f.windowRead("lb", opts, cp, sdk.ReadIncremental)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("read after late rows, %s back from %s (-want +got):\n%s", tc.lookback, cp, diff)
			}
		})
	}
}

func TestInitialValue(t *testing.T) {
	f := newFixture(t)
	f.exec(`CREATE TABLE main.iv (id INTEGER, ts TIMESTAMP, n INTEGER)`)
	f.exec(`INSERT INTO iv VALUES (1, '2023-12-31 23:59:59', 1), (2, '2024-01-01', 2), (3, '2024-02-01', 3), (4, NULL, NULL)`)
	tests := []struct {
		name string
		opts string
		mode sdk.ReadMode
		want []int32
	}{
		{"timestamp", `"incremental_column":"ts","initial_value":"2024-01-01"`, sdk.ReadIncremental, []int32{4, 2, 3}},
		{"integer given as a number", `"incremental_column":"n","initial_value":3`, sdk.ReadIncremental, []int32{4, 3}},
		{"a full read ignores it", `"incremental_column":"n","initial_value":3`, sdk.ReadFull, []int32{4, 1, 2, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := f.windowRead("iv", `{"incremental_strategy":"column",`+tc.opts+`}`, nil, tc.mode)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("first read (-want +got):\n%s", diff)
			}
		})
	}
	// Once a checkpoint exists, initial_value no longer applies.
	opts := `{"incremental_strategy":"column","incremental_column":"n","initial_value":3}`
	_, cp := f.windowRead("iv", opts, nil, sdk.ReadIncremental)
	f.exec("INSERT INTO iv VALUES (5, NULL, 4), (6, NULL, 2)")
	got, _ := f.windowRead("iv", opts, cp, sdk.ReadIncremental)
	if diff := cmp.Diff([]int32{5}, got); diff != "" {
		t.Errorf("second read (-want +got):\n%s", diff)
	}
}

func TestWindowOptionErrors(t *testing.T) {
	f := newFixture(t)
	f.exec(`CREATE TABLE main.we (id INTEGER, ts TIMESTAMP, n INTEGER, s VARCHAR)`)
	f.exec(`INSERT INTO we VALUES (1, now()::TIMESTAMP, 1, 'a')`)
	tests := []struct {
		name, column, extra string
	}{
		{"number for a timestamp", "ts", `"lookback":3600`},
		{"not an interval", "ts", `"lookback":"two hours"`},
		{"negative interval", "ts", `"lookback":"-2 hours"`},
		{"fraction for an integer", "n", `"lookback":1.5`},
		{"negative number", "n", `"lookback":-1`},
		{"text cursor", "s", `"lookback":"1"`},
		{"not a scalar", "n", `"lookback":{"a":1}`},
		{"bad initial_value", "n", `"initial_value":"x"`},
		{"bad initial timestamp", "ts", `"initial_value":"yesterday-ish"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := `{"incremental_strategy":"column","incremental_column":"` + tc.column + `",` + tc.extra + `}`
			_, err := f.read(sdk.ReadRequest{Stream: "we", Mode: sdk.ReadIncremental, Options: json.RawMessage(opts)})
			if got := sdk.CodeOf(err); got != sdk.CodeConfig {
				t.Errorf("got %v (%v), want CONFIG", got, err)
			}
		})
	}
	_, err := f.read(sdk.ReadRequest{Stream: "we", Options: json.RawMessage(`{"lookback":"1 hour"}`)})
	if got := sdk.CodeOf(err); got != sdk.CodeConfig {
		t.Errorf("lookback without a strategy: got %v (%v), want CONFIG", got, err)
	}
}

// TestSafetyLag: only rows with cursor <= now() - safety_lag are read; a
// later read takes the rest once they are old enough; NULL cursors come on
// the first read; a bad lag or a cursor that is not a time is a CONFIG
// error.
func TestSafetyLag(t *testing.T) {
	f := newFixture(t)
	f.exec(`CREATE TABLE main.sl (id INTEGER, ts TIMESTAMPTZ, lts TIMESTAMP, d DATE, n INTEGER)`)
	f.exec(`INSERT INTO sl VALUES
		(1, now() - INTERVAL 2 HOUR, CAST(now() AS TIMESTAMP) - INTERVAL 2 HOUR, current_date - 2, 1),
		(2, now() - INTERVAL 10 MINUTE, CAST(now() AS TIMESTAMP) - INTERVAL 10 MINUTE, current_date + 1, 2),
		(3, NULL, NULL, NULL, 3)`)
	for _, col := range []string{"ts", "lts", "d"} {
		t.Run(col, func(t *testing.T) {
			opts := `{"incremental_strategy":"column","incremental_column":"` + col + `","safety_lag":"1 hour"}`
			first, cp := f.windowRead("sl", opts, nil, sdk.ReadIncremental)
			if diff := cmp.Diff([]int32{3, 1}, first); diff != "" {
				t.Fatalf("first read (-want +got):\n%s", diff)
			}
			// Row 2 grows old enough: the next read takes it.
			f.exec("UPDATE sl SET ts = ts - INTERVAL 1 HOUR, lts = lts - INTERVAL 1 HOUR, d = d - 2 WHERE id = 2")
			got, _ := f.windowRead("sl", opts, cp, sdk.ReadIncremental)
			if diff := cmp.Diff([]int32{2}, got); diff != "" {
				t.Errorf("second read (-want +got):\n%s", diff)
			}
			f.exec("UPDATE sl SET ts = ts + INTERVAL 1 HOUR, lts = lts + INTERVAL 1 HOUR, d = d + 2 WHERE id = 2")
		})
	}
	for _, tc := range []struct{ name, opts, want string }{
		{"not an interval", `"incremental_column":"ts","safety_lag":"soon"`, `safety_lag "soon" is not an interval`},
		{"a number", `"incremental_column":"ts","safety_lag":60`, "safety_lag is an interval"},
		{"negative", `"incremental_column":"ts","safety_lag":"-1 hour"`, "is negative"},
		{"a numeric cursor", `"incremental_column":"n","safety_lag":"1 hour"`, "safety_lag needs a date or timestamp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.read(sdk.ReadRequest{Stream: "sl", Mode: sdk.ReadIncremental,
				Options: json.RawMessage(`{"incremental_strategy":"column",` + tc.opts + `}`)})
			if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want a CONFIG error containing %q", err, tc.want)
			}
		})
	}
}
