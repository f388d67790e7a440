package postgres

import (
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// recordRows turns a record into rows of comparable Go values.
func recordRows(r arrow.RecordBatch) [][]any {
	out := make([][]any, r.NumRows())
	for i := range out {
		row := make([]any, r.NumCols())
		for j := range row {
			row[j] = goValue(r.Column(j), i)
		}
		out[i] = row
	}
	return out
}

// goValue renders value i: decimals as strings, dates as "2006-01-02",
// timestamps as time.Time in UTC, lists as []any, NULL as nil.
func goValue(arr arrow.Array, i int) any {
	if arr.IsNull(i) {
		return nil
	}
	switch a := arr.(type) {
	case *array.Boolean:
		return a.Value(i)
	case *array.Int16:
		return a.Value(i)
	case *array.Int32:
		return a.Value(i)
	case *array.Int64:
		return a.Value(i)
	case *array.Float32:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.Decimal128:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.String:
		return a.Value(i)
	case *array.Binary:
		return append([]byte{}, a.Value(i)...)
	case *array.Date32:
		return a.Value(i).ToTime().Format("2006-01-02")
	case *array.Time64:
		return time.Duration(a.Value(i)) * time.Microsecond
	case *array.Timestamp:
		return time.UnixMicro(int64(a.Value(i))).UTC()
	case *array.MonthDayNanoInterval:
		return a.Value(i)
	case *array.List:
		start, end := a.ValueOffsets(i)
		vals := a.ListValues()
		l := make([]any, 0, end-start)
		for k := start; k < end; k++ {
			l = append(l, goValue(vals, int(k)))
		}
		return l
	}
	return "unsupported " + arr.DataType().String()
}
