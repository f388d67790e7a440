package cli

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestPreviewValues: bytea as \x hex, intervals as PostgreSQL-style text in
// the table and ISO-8601 in JSON lines, and a JSON null apart from a SQL
// NULL in JSON lines.
func TestPreviewValues(t *testing.T) {
	mem := memory.DefaultAllocator
	bin := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
	bin.Append([]byte{0xde, 0xad, 0x00, 0x01})
	binArr := bin.NewArray()
	defer binArr.Release()

	iv := array.NewMonthDayNanoIntervalBuilder(mem)
	iv.Append(arrow.MonthDayNanoInterval{Months: 14, Days: 3, Nanoseconds: (4*3600 + 5*60 + 6) * 1e9})
	iv.Append(arrow.MonthDayNanoInterval{Months: 0, Days: 0, Nanoseconds: 1500 * 1e6})
	iv.Append(arrow.MonthDayNanoInterval{Months: -1, Days: -2, Nanoseconds: -3 * 3600 * 1e9})
	iv.Append(arrow.MonthDayNanoInterval{})
	ivArr := iv.NewArray()
	defer ivArr.Release()

	js := array.NewStringBuilder(mem)
	js.Append("null")
	js.AppendNull()
	js.Append(`{"a":1}`)
	jsArr := js.NewArray()
	defer jsArr.Release()
	// A json column arrives as text (with logical-type metadata jsonValue
	// does not need: every text value is a JSON string).
	jsField := arrow.Field{Name: "j", Type: arrow.BinaryTypes.String, Nullable: true}

	for _, tt := range []struct {
		name     string
		field    arrow.Field
		col      arrow.Array
		row      int
		cell, js string
	}{
		{"bytea", arrow.Field{Name: "b", Type: arrow.BinaryTypes.Binary}, binArr, 0, `\xdead0001`, `"\\xdead0001"`},
		{"interval", arrow.Field{Name: "i", Type: arrow.FixedWidthTypes.MonthDayNanoInterval}, ivArr, 0, "1 year 2 mons 3 days 04:05:06", `"P1Y2M3DT4H5M6S"`},
		{"interval fraction", arrow.Field{Name: "i", Type: arrow.FixedWidthTypes.MonthDayNanoInterval}, ivArr, 1, "00:00:01.5", `"PT1.5S"`},
		{"interval negative", arrow.Field{Name: "i", Type: arrow.FixedWidthTypes.MonthDayNanoInterval}, ivArr, 2, "-1 mons -2 days -03:00:00", `"P-1M-2DT-3H"`},
		{"interval zero", arrow.Field{Name: "i", Type: arrow.FixedWidthTypes.MonthDayNanoInterval}, ivArr, 3, "00:00:00", `"PT0S"`},
		{"json null", jsField, jsArr, 0, "null", `"null"`},
		{"sql null in json column", jsField, jsArr, 1, "NULL", `null`},
		{"json object", jsField, jsArr, 2, `{"a":1}`, `"{\"a\":1}"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := cell(tt.col, tt.row); got != tt.cell {
				t.Errorf("table cell: got %q, want %q", got, tt.cell)
			}
			b, err := jsonValue(tt.field, tt.col, tt.row)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(b); got != tt.js {
				t.Errorf("jsonl value: got %s, want %s", got, tt.js)
			}
		})
	}
}
