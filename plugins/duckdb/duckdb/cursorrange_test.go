package duckdb

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// TestReadCursorRange: a read with a cursor range takes exactly the rows
// with lower <= cursor < upper, never a NULL cursor, for timestamp and
// integer cursors; a bound that is not a value of the cursor's type is a
// CONFIG error.
func TestReadCursorRange(t *testing.T) {
	f := newFixture(t)
	f.exec(`CREATE TABLE main.ev (id INTEGER, ts TIMESTAMPTZ, v VARCHAR)`)
	f.exec(`INSERT INTO ev VALUES (1, '2024-01-01 00:00:00+00', 'a'), (2, '2024-01-01 23:59:59.999999+00', 'b'),
		(3, '2024-01-02 00:00:00+00', 'c'), (4, NULL, 'null cursor'), (5, '2023-12-31 23:59:59+00', 'd')`)
	ids := func(opts string, r *sdk.CursorRange) ([]int32, error) {
		w, err := f.read(sdk.ReadRequest{Stream: "ev", Mode: sdk.ReadFull, Options: json.RawMessage(opts), CursorRange: r})
		if err != nil {
			return nil, err
		}
		var out []int32
		for _, row := range w.values() {
			out = append(out, row[0].(int32))
		}
		return out, nil
	}
	got, err := ids(`{"incremental_strategy":"column","incremental_column":"ts"}`,
		&sdk.CursorRange{Lower: "2024-01-01 00:00:00+00:00", Upper: "2024-01-02 00:00:00+00:00"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int32{1, 2}, got); diff != "" {
		t.Errorf("timestamptz range (-want +got):\n%s", diff)
	}
	got, err = ids(`{"incremental_strategy":"column","incremental_column":"id"}`, &sdk.CursorRange{Lower: "2", Upper: "5"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int32{2, 3, 4}, got); diff != "" {
		t.Errorf("integer range (-want +got):\n%s", diff)
	}
	_, err = ids(`{"incremental_strategy":"column","incremental_column":"id"}`, &sdk.CursorRange{Lower: "yesterday", Upper: "5"})
	var se *sdk.Error
	if !errors.As(err, &se) || se.Code != sdk.CodeConfig {
		t.Errorf("bad bound: got %v, want a CONFIG error", err)
	}
	if !New().(*Connector).Spec().CursorRange {
		t.Error("spec does not declare cursor_range")
	}
}
