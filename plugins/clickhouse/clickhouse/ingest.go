package clickhouse

import (
	"math"
	"reflect"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dpone-go/dpone/sdk"
)

// columnValues converts one Arrow column into the slice clickhouse-go's
// columnar Append takes for the ClickHouse column chType maps f to: the
// Arrow values buffer itself for non-nullable fixed-width columns, typed
// slices otherwise ([]*T with nil for NULL when the column is nullable).
// A NULL in a column created NOT NULL is a DATA error.
func columnValues(f arrow.Field, arr arrow.Array, nullable bool) (any, error) {
	switch a := arr.(type) {
	case *array.List:
		return listValues(f, a)
	case *array.Map:
		return mapValues(f, a)
	case *array.Struct:
		return structValues(f, a)
	}
	if !nullable && arr.NullN() > 0 {
		return nil, sdk.Errorf(sdk.CodeData, "column %q: %d NULL values for a column that is not Nullable (a sorting key column, or declared NOT NULL)", f.Name, arr.NullN())
	}
	switch a := arr.(type) {
	case *array.Boolean:
		return fixed(a, nullable, a.Value), nil
	case *array.Int8:
		return values(a, nullable, a.Int8Values()), nil
	case *array.Int16:
		return values(a, nullable, a.Int16Values()), nil
	case *array.Int32:
		return values(a, nullable, a.Int32Values()), nil
	case *array.Int64:
		return values(a, nullable, a.Int64Values()), nil
	case *array.Uint8:
		return values(a, nullable, a.Uint8Values()), nil
	case *array.Uint16:
		return values(a, nullable, a.Uint16Values()), nil
	case *array.Uint32:
		return values(a, nullable, a.Uint32Values()), nil
	case *array.Uint64:
		return values(a, nullable, a.Uint64Values()), nil
	case *array.Float32:
		return values(a, nullable, a.Float32Values()), nil
	case *array.Float64:
		return values(a, nullable, a.Float64Values()), nil
	case *array.Decimal128:
		return fixed(a, nullable, a.ValueStr), nil
	case *array.Decimal256:
		return fixed(a, nullable, a.ValueStr), nil
	case *array.String:
		return fixed(a, nullable, a.Value), nil
	case *array.LargeString:
		return fixed(a, nullable, a.Value), nil
	case *array.Binary:
		return fixed(a, nullable, a.ValueString), nil
	case *array.LargeBinary:
		return fixed(a, nullable, a.ValueString), nil
	case *array.FixedSizeBinary:
		return fixed(a, nullable, func(i int) string { return string(a.Value(i)) }), nil
	case *array.Date32:
		return fixed(a, nullable, func(i int) time.Time { return a.Value(i).ToTime() }), nil
	case *array.Date64:
		return fixed(a, nullable, func(i int) time.Time { return a.Value(i).ToTime() }), nil
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return timeValues(f, a, nullable, minInstant, maxInstant, func(i int) time.Time { return a.Value(i).ToTime(unit) })
	case *array.Time32:
		unit := a.DataType().(*arrow.Time32Type).Unit
		return fixed(a, nullable, func(i int) string { return timeText(a.Value(i).ToTime(unit)) }), nil
	case *array.Time64:
		unit := a.DataType().(*arrow.Time64Type).Unit
		return fixed(a, nullable, func(i int) string { return timeText(a.Value(i).ToTime(unit)) }), nil
	}
	return nil, sdk.Errorf(sdk.CodeSchema, "column %q: arrow type %s cannot be inserted by this connector version", f.Name, arr.DataType())
}

// The instants the sink stores exactly: the driver converts them through
// int64 nanoseconds (1677-09-21 to 2262-04-11) and wraps what lies
// outside. Native inserts write Date32 days and DateTime64 ticks as they
// are, so no other limit applies here.
var (
	minInstant = time.Unix(0, math.MinInt64).UTC()
	maxInstant = time.Unix(0, math.MaxInt64).UTC()
)

// timeValues converts a date or timestamp column, refusing values outside
// [lo, hi] with a DATA error rather than storing a clamped or wrapped one.
func timeValues(f arrow.Field, a arrow.Array, nullable bool, lo, hi time.Time, get func(int) time.Time) (any, error) {
	for i := range a.Len() {
		if a.IsValid(i) {
			if t := get(i); t.Before(lo) || t.After(hi) {
				return nil, sdk.Errorf(sdk.CodeData, "column %q: %s is outside what ClickHouse stores exactly here (%s to %s): filter or cast it in the source",
					f.Name, t.Format(time.RFC3339Nano), lo.Format(time.DateOnly), hi.Format(time.RFC3339))
			}
		}
	}
	return fixed(a, nullable, get), nil
}

// timeText is a time of day as HH:MM:SS.ffffff (nanoseconds when present).
func timeText(t time.Time) string {
	if t.Nanosecond()%1000 != 0 {
		return t.UTC().Format("15:04:05.000000000")
	}
	return t.UTC().Format("15:04:05.000000")
}

// values is a fixed-width column: the values buffer itself when the
// ClickHouse column is not nullable, else pointers into it.
func values[T any](a arrow.Array, nullable bool, vals []T) any {
	if !nullable {
		return vals
	}
	out := make([]*T, len(vals))
	for i := range vals {
		if a.IsValid(i) {
			out[i] = &vals[i]
		}
	}
	return out
}

// fixed converts a column value by value.
func fixed[T any](a arrow.Array, nullable bool, get func(int) T) any {
	n := a.Len()
	if !nullable {
		out := make([]T, n)
		for i := range n {
			out[i] = get(i)
		}
		return out
	}
	vals := make([]T, n)
	out := make([]*T, n)
	for i := range n {
		if a.IsValid(i) {
			vals[i] = get(i)
			out[i] = &vals[i]
		}
	}
	return out
}

// constColumn is a column of n copies of v (lineage values).
func constColumn[T any](n int, v T) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// listValues converts a list column into [][]T ([][]*T for nullable
// elements) for an Array column: each row a slice of the converted
// elements, a NULL list an empty array (Array cannot be Nullable).
func listValues(f arrow.Field, a *array.List) (any, error) {
	elem := a.DataType().(*arrow.ListType).ElemField()
	child, err := columnValues(arrow.Field{Name: f.Name + ".element", Type: elem.Type, Nullable: elem.Nullable, Metadata: elem.Metadata}, a.ListValues(), elem.Nullable)
	if err != nil {
		return nil, err
	}
	cv := reflect.ValueOf(child)
	out := reflect.MakeSlice(reflect.SliceOf(cv.Type()), a.Len(), a.Len())
	for i := range a.Len() {
		start, end := a.ValueOffsets(i)
		if a.IsValid(i) {
			out.Index(i).Set(cv.Slice(int(start), int(end)))
		} else {
			out.Index(i).Set(reflect.MakeSlice(cv.Type(), 0, 0))
		}
	}
	return out.Interface(), nil
}
