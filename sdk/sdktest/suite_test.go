package sdktest_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dpone-go/dpone/sdk/sdktest"
)

func memFixture(st bugs) sdktest.Fixture {
	return sdktest.Fixture{
		Factory:        memFactory(newStore(), st),
		Config:         json.RawMessage(`{"host":"mem","password":"secret"}`),
		BadCredentials: json.RawMessage(`{"host":"mem","password":"wrong"}`),
		Unreachable:    json.RawMessage(`{"host":"nowhere.invalid","password":"secret"}`),
		Streams: []sdktest.StreamFixture{{
			Name: "events",
			Rows: []map[string]any{
				{"id": 7, "updated_at": nil, "name": "null cursor", "amount": 0},
				{"id": 9, "updated_at": nil, "name": nil, "amount": "-1.5"},
				{"id": 1, "updated_at": "1969-07-20T16:17:40.123456-04:00", "name": "moon 🌕", "amount": "9999999999999999999999999999.9999999999"},
				{"id": 2, "updated_at": "2024-01-01T00:00:00Z", "name": "", "amount": "-9999999999999999999999999999.9999999999"},
				{"id": 3, "updated_at": "2024-01-01 00:00:00+00", "name": "tie", "amount": "0.0000000001"},
				{"id": 4, "updated_at": "2024-01-01T00:00:00Z", "name": "tie too", "amount": 12.5},
				{"id": 5, "updated_at": "2024-06-30T12:00:00.000001Z", "name": "日本語", "amount": 1},
				{"id": 6, "updated_at": "2024-07-01T00:00:00Z", "name": "last", "amount": "2.0"},
			},
			Types:       map[string]string{"id": "int64", "updated_at": "timestamp(6, tz)", "amount": "decimal(38,10)", "name": "string"},
			Incremental: &sdktest.IncrementalFixture{Options: json.RawMessage(`{"incremental_strategy":"column","incremental_column":"updated_at"}`), Cursor: "updated_at"},
		}},
		Load:         &sdktest.LoadFixture{Rows: 20000},
		CancelWithin: sdktest.Duration(2e9),
	}
}

// TestMem certifies the in-memory example: it must pass every check.
func TestMem(t *testing.T) {
	rep := sdktest.TestConnector(t, memFixture(bugs{}))
	if !rep.Passed() {
		t.Errorf("report failed:\n%s", rep.Table())
	}
	if _, err := rep.JSON(); err != nil {
		t.Error(err)
	}
	if md := rep.Markdown(); !strings.Contains(md, "| crash | PASS |") {
		t.Errorf("markdown report lacks a passing crash check:\n%s", md)
	}
}

// TestCatchesBugs runs the suite with a Runner against connectors with
// one bug each: the named check fails, the others still run.
func TestCatchesBugs(t *testing.T) {
	tests := []struct {
		name  string
		bugs  bugs
		check string
	}{
		{"duplicates on resume", bugs{dupOnResume: true}, "incremental/events"},
		{"bad credentials are INTERNAL", bugs{internalAuth: true}, "check/bad_credentials"},
		{"staging lost in a crash", bugs{stagingInMemory: true}, "crash"},
		{"read deaf to cancellation", bugs{ignoreCancel: true}, "cancel"},
		{"second commit applies again", bugs{doubleCommit: true}, "commit_twice"},
		{"lineage columns dropped", bugs{dropLineage: true}, "lineage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			r := sdktest.NewRunner("certify", &out, false)
			rep := sdktest.Run(r, memFixture(tt.bugs), sdktest.Options{})
			if rep.Passed() || !r.Failed() {
				t.Fatalf("got a passing report, want %s to fail:\n%s", tt.check, rep.Table())
			}
			var failed []string
			for _, c := range rep.Checks {
				if c.Status == sdktest.Fail {
					failed = append(failed, c.Name)
				}
			}
			if len(failed) != 1 || failed[0] != tt.check {
				t.Errorf("failed checks: got %v, want [%s]\n%s", failed, tt.check, rep.Table())
			}
			if len(rep.Checks) < 15 {
				t.Errorf("got %d checks, want the whole suite to run:\n%s", len(rep.Checks), rep.Table())
			}
		})
	}
}
