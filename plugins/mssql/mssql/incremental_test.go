package mssql

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/dpone-go/dpone/sdk"
)

// TestCursorSQL pins the T-SQL rendering of sdk.Cursor's bounds: first
// reads with and without NULL cursors, resumes, initial_value, lookback
// (number and interval), safety_lag, and keys in the order.
func TestCursorSQL(t *testing.T) {
	prior := func(cursor string) []byte {
		b, _ := json.Marshal(sdk.CursorState{V: sdk.CursorStateVersion, Strategy: "column", Cursor: &cursor})
		return b
	}
	for _, tc := range []struct {
		name, native string
		opts         string
		mode         sdk.ReadMode
		state        []byte
	}{
		{"full", "datetime2(7)", `{"incremental_column":"updated_at"}`, sdk.ReadFull, nil},
		{"first_include_nulls", "datetime2(7)", `{"incremental_column":"updated_at"}`, sdk.ReadIncremental, nil},
		{"first_skip_nulls", "datetime2(7)", `{"incremental_column":"updated_at","null_policy":"skip"}`, sdk.ReadIncremental, nil},
		{"initial_value", "date", `{"incremental_column":"updated_at","initial_value":"2024-01-01"}`, sdk.ReadIncremental, nil},
		{"resume_datetimeoffset", "datetimeoffset(6)", `{"incremental_column":"updated_at"}`, sdk.ReadIncremental, prior("2024-06-30 12:00:00.000001+00")},
		{"resume_negative_int", "bigint", `{"incremental_column":"updated_at"}`, sdk.ReadIncremental, prior("-15")},
		{"lookback_interval", "datetime2(3)", `{"incremental_column":"updated_at","lookback":"2 hours"}`, sdk.ReadIncremental, prior("2024-01-01 00:00:00")},
		{"lookback_number", "int", `{"incremental_column":"updated_at","lookback":100}`, sdk.ReadIncremental, prior("1000")},
		{"safety_lag", "datetimeoffset(7)", `{"incremental_column":"updated_at","safety_lag":"5 minutes"}`, sdk.ReadIncremental, prior("2024-01-01 00:00:00+00")},
		{"datetime_ticks", "datetime", `{"incremental_column":"updated_at"}`, sdk.ReadIncremental, prior("2024-01-01 00:00:00.003333333")},
		{"rowversion_first", "rowversion", `{"incremental_column":"updated_at","null_policy":"skip"}`, sdk.ReadIncremental, nil},
		{"rowversion_resume", "rowversion", `{"incremental_column":"updated_at"}`, sdk.ReadIncremental, prior("81985529216486895")},
		{"keys", "datetime", `{"incremental_column":"updated_at","incremental_key":["region","id"]}`, sdk.ReadIncremental, prior("2024-01-01 00:00:00")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var o sourceOptions
			if err := sdk.DecodeOptions(json.RawMessage(tc.opts), &o, "test"); err != nil {
				t.Fatal(err)
			}
			cur, err := sdk.NewCursor(o.CursorOptions, sdk.ReadRequest{Mode: tc.mode, PriorState: tc.state}, []string{"id"})
			if err != nil {
				t.Fatal(err)
			}
			where, order, err := cursorClauses(cur, tc.native)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "cursor_"+tc.name+".sql", fmt.Sprintf("-- %s %s\nSELECT * FROM [dbo].[events]%s%s;\n", tc.native, tc.opts, where, order))
		})
	}
	var o sourceOptions
	_ = sdk.DecodeOptions(json.RawMessage(`{"incremental_column":"u","lookback":"2 fortnights"}`), &o, "test")
	cur, err := sdk.NewCursor(o.CursorOptions, sdk.ReadRequest{Mode: sdk.ReadIncremental, PriorState: prior("2024-01-01")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := cursorClauses(cur, "date"); sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), "lookback") {
		t.Errorf("unknown interval unit: got %v, want a CONFIG error naming lookback", err)
	}
}
