package evidence

import (
	"bytes"
	"strings"
	"testing"
)

func TestRenderSummary(t *testing.T) {
	tests := []struct {
		name   string
		report *Report
	}{
		{"summary.txt", sampleReport()},
		{"summary_empty.txt", &Report{RunID: "r", Status: "succeeded"}},
		// One unit is "1 unit"; the total's error column counts the
		// failed units instead of the run error's code.
		{"summary_one_unit.txt", &Report{RunID: "r", Status: "failed", DurationSeconds: 1.5,
			Error: &ErrorInfo{Code: "RUN", Message: "1 of 1 units did not load"},
			Units: []UnitReport{{Unit: "s.bad", Status: "failed", DurationSeconds: 0.5, Error: &ErrorInfo{Code: "NOT_FOUND", Message: "no files match"}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			RenderSummary(&buf, tt.report)
			golden(t, tt.name, buf.Bytes())
		})
	}
}

func TestGroupDigits(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1,000"}, {-1234567, "-1,234,567"}, {100000, "100,000"}}
	for _, tt := range tests {
		if got := groupDigits(tt.in); got != tt.want {
			t.Errorf("groupDigits(%d): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRenderSummaryAligned(t *testing.T) {
	var buf bytes.Buffer
	RenderSummary(&buf, sampleReport())
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	// The right-aligned ROWS/S column ends at the same offset everywhere.
	col := strings.Index(lines[0], "ROWS/S") + len("ROWS/S")
	for _, l := range lines[1:] {
		if l[col-1] == ' ' || (len(l) > col && l[col] != ' ') {
			t.Errorf("line not aligned at column %d:\n%s\n%s", col, lines[0], l)
		}
	}
}

func TestRenderViolations(t *testing.T) {
	r := &Report{Units: []UnitReport{
		{Unit: "clean"},
		{Unit: "shop.orders", RowsQuarantined: 1204, Violations: []Violation{
			{Column: "status", Reason: "ACCEPTED_VALUES", Rows: 1200}, {Column: "amount", Reason: "NOT_NULL", Rows: 4}}},
	}}
	var b strings.Builder
	RenderViolations(&b, r)
	want := "shop.orders: 1,204 rows quarantined\n" +
		"  status                   ACCEPTED_VALUES  1,200 rows\n" +
		"  amount                   NOT_NULL         4 rows\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
