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
