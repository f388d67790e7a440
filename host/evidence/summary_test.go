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
