package evidence

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// column is one summary column; right-aligned columns hold numbers.
type column struct {
	title string
	right bool
}

var summaryColumns = []column{
	{"UNIT", false}, {"STATUS", false}, {"ROWS READ", true}, {"ROWS WRITTEN", true},
	{"MB", true}, {"SECONDS", true}, {"ROWS/S", true}, {"ERROR", false},
}

// RenderSummary writes r as an aligned table, one line per unit in report
// order and a TOTAL line: rows read and written, megabytes (10^6 bytes),
// seconds, rows written per second and the error code. The total's
// seconds are the run's wall time and its error column counts failed units.
func RenderSummary(w io.Writer, r *Report) {
	rows := make([][]string, 0, len(r.Units)+2)
	titles := make([]string, len(summaryColumns))
	for i, c := range summaryColumns {
		titles[i] = c.title
	}
	rows = append(rows, titles)
	for _, u := range r.Units {
		rps := u.RowsPerSecond
		if rps == 0 && u.DurationSeconds > 0 {
			rps = float64(u.RowsWritten) / u.DurationSeconds
		}
		rows = append(rows, []string{u.Unit, u.Status, groupDigits(u.RowsRead), groupDigits(u.RowsWritten),
			megabytes(u.Bytes), seconds(u.DurationSeconds), groupDigits(int64(rps + 0.5)), errorCode(u.Error)})
	}
	t := r.Totals()
	var rps float64
	if r.DurationSeconds > 0 {
		rps = float64(t.RowsWritten) / r.DurationSeconds
	}
	rows = append(rows, []string{"TOTAL (" + plural(len(r.Units), "unit") + ")", r.Status, groupDigits(t.RowsRead),
		groupDigits(t.RowsWritten), megabytes(t.Bytes), seconds(r.DurationSeconds), groupDigits(int64(rps + 0.5)), failedUnits(r)})

	widths := make([]int, len(summaryColumns))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], len([]rune(cell)))
		}
	}
	for _, row := range rows {
		var b strings.Builder
		for i, cell := range row {
			pad := strings.Repeat(" ", widths[i]-len([]rune(cell)))
			if i > 0 {
				b.WriteString("  ")
			}
			if summaryColumns[i].right {
				b.WriteString(pad + cell)
			} else {
				b.WriteString(cell + pad)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// failedUnits is the total row's error column: how many units failed
// (each unit's line has its code), blank when none did.
func failedUnits(r *Report) string {
	n := 0
	for _, u := range r.Units {
		if u.Error != nil && u.Status != "ok" && u.Status != "skipped" {
			n++
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d failed", n)
}

// plural is "1 unit", "2 units".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func errorCode(e *ErrorInfo) string {
	if e == nil {
		return ""
	}
	if e.Code == "" {
		return "ERROR"
	}
	return e.Code
}

func megabytes(b int64) string { return strconv.FormatFloat(float64(b)/1e6, 'f', 1, 64) }

func seconds(s float64) string { return strconv.FormatFloat(s, 'f', 1, 64) }

// groupDigits formats n with comma thousands separators: 1,234,567.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// RenderViolations lists data-contract violations per unit, column and
// reason, and the rows quarantined; it prints nothing when there were none.
func RenderViolations(w io.Writer, r *Report) {
	for _, u := range r.Units {
		if len(u.Violations) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s: %s rows quarantined\n", u.Unit, groupDigits(u.RowsQuarantined))
		for _, v := range u.Violations {
			fmt.Fprintf(w, "  %-24s %-16s %s rows\n", v.Column, v.Reason, groupDigits(v.Rows))
		}
	}
}
