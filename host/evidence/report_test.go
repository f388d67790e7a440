package evidence

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var start = time.Date(2026, 11, 26, 5, 34, 12, 0, time.UTC)

// sampleReport is a run with a fast unit, a failed unit and a unit that
// quarantined rows.
func sampleReport() *Report {
	return &Report{
		RunID: "r-20261126T053412Z-a1b2c3", Manifest: "shop_landing", Status: "partial",
		StartedAt: start, FinishedAt: start.Add(83500 * time.Millisecond), DurationSeconds: 83.5,
		Args: []string{"run", "-f", "shop.yaml"},
		Units: []UnitReport{
			{Unit: "public.orders", Source: "postgres", Sink: "duckdb", Target: "landing__shop__oltp.public__orders",
				Mode: "incremental_append", Status: "succeeded", RowsRead: 5000000, RowsWritten: 5000000, RowsInserted: 5000000,
				Bytes: 612345678, ReadSeconds: 11.9, WriteSeconds: 12.1, CommitSeconds: 0.4, DurationSeconds: 12.5, RowsPerSecond: 400000,
				LoadID: "20261126t053412z_a1b2c3_9f8e7d_public_orders", Staging: "_dpone_stg_20261126t053412z_a1b2c3_9f8e7d_public_orders",
				DDL:         []string{`ALTER TABLE "landing"."orders" ADD COLUMN "note" VARCHAR`},
				StateBefore: json.RawMessage(`{"v":1,"cursor":"2026-11-25T00:00:00Z"}`),
				StateAfter:  json.RawMessage(`{"v":1,"cursor":"2026-11-26T05:00:00Z"}`), Attempts: 1},
			{Unit: "public.customers", Source: "postgres", Sink: "duckdb", Mode: "incremental_merge", Status: "failed",
				RowsRead: 1200, DurationSeconds: 0.25, Attempts: 3,
				Error: &ErrorInfo{Code: "CONNECT", Message: "dial 127.0.0.1:5432: connection refused", Retryable: true}},
			{Unit: "public.line_items_with_a_long_name", Source: "postgres", Sink: "duckdb", Mode: "full_refresh", Status: "succeeded",
				RowsRead: 98765, RowsWritten: 98700, RowsQuarantined: 65, Bytes: 9876543, DurationSeconds: 3.2, Attempts: 1},
		},
		Error: &ErrorInfo{Code: "CONNECT", Message: "1 of 3 units failed"},
	}
}

func TestReportRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "runs")
	want := sampleReport()
	path, err := WriteReport(dir, want)
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, "r-20261126T053412Z-a1b2c3.json") {
		t.Errorf("path: got %s, want <dir>/<run_id>.json", path)
	}
	if want.SchemaVersion != ReportSchemaVersion {
		t.Errorf("schema version: got %d, want %d", want.SchemaVersion, ReportSchemaVersion)
	}
	got, err := ReadReport(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	// Overwrite in place; no temporary files are left behind.
	want.Status = "succeeded"
	if _, err := WriteReport(dir, want); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Errorf("report dir: got %d entries (%v), want 1", len(entries), err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "report.json", b)
}

func TestWriteReportErrors(t *testing.T) {
	for _, id := range []string{"", "../x", "a/b", ".."} {
		if _, err := WriteReport(t.TempDir(), &Report{RunID: id}); err == nil {
			t.Errorf("WriteReport(run id %q): got nil error", id)
		}
	}
}

func TestReadReportErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, content string }{
		{"newer.json", `{"schema_version": 2, "run_id": "r"}`},
		{"none.json", `{"run_id": "r"}`},
		{"bad.json", `{`},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, tt.name)
		if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadReport(path); err == nil {
			t.Errorf("ReadReport(%s): got nil error", tt.name)
		}
	}
	if _, err := ReadReport(filepath.Join(dir, "missing.json")); err == nil {
		t.Errorf("ReadReport(missing): got nil error")
	}
}
