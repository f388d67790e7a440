package duckdb

import (
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	ddb "github.com/duckdb/duckdb-go/v2"
)

// getter returns row i of one Arrow column as the Go value the DuckDB
// appender expects for the column's staging type (nil for NULL).
type getter func(i int) any

// getterFor makes the getter of arr. Types are those typeMapper maps, with
// uuid and json as text (staging types).
func getterFor(arr arrow.Array) (getter, error) {
	g, err := valueGetter(arr)
	if err != nil {
		return nil, err
	}
	if arr.NullN() == 0 {
		return g, nil
	}
	return func(i int) any {
		if arr.IsNull(i) {
			return nil
		}
		return g(i)
	}, nil
}

func valueGetter(arr arrow.Array) (getter, error) {
	switch a := arr.(type) {
	case *array.Null:
		return func(int) any { return nil }, nil
	case *array.Boolean:
		return func(i int) any { return a.Value(i) }, nil
	case *array.Int8:
		return func(i int) any { return a.Value(i) }, nil
	case *array.Int16:
		return func(i int) any { return a.Value(i) }, nil
	case *array.Int32:
		return func(i int) any { return a.Value(i) }, nil
	case *array.Int64:
		return func(i int) any { return a.Value(i) }, nil
	case *array.Uint8:
		return func(i int) any { return a.Value(i) }, nil
	case *array.Uint16:
		return func(i int) any { return a.Value(i) }, nil
	case *array.Uint32:
		return func(i int) any { return a.Value(i) }, nil
	case *array.Uint64:
		return func(i int) any { return a.Value(i) }, nil
	case *array.Float16:
		return func(i int) any { return a.Value(i).Float32() }, nil
	case *array.Float32:
		return func(i int) any { return a.Value(i) }, nil
	case *array.Float64:
		return func(i int) any { return a.Value(i) }, nil
	case *array.Decimal128:
		t := a.DataType().(*arrow.Decimal128Type)
		if t.Precision > maxDecimal {
			return func(i int) any { return a.Value(i).ToString(t.Scale) }, nil
		}
		if t.Precision <= 18 {
			return func(i int) any { return int64(a.Value(i).LowBits()) }, nil
		}
		return func(i int) any { return a.Value(i).BigInt() }, nil
	case *array.Decimal256:
		t := a.DataType().(*arrow.Decimal256Type)
		if t.Precision > maxDecimal {
			return func(i int) any { return a.Value(i).ToString(t.Scale) }, nil
		}
		return func(i int) any { return a.Value(i).BigInt() }, nil
	case *array.String:
		return func(i int) any { return a.Value(i) }, nil
	case *array.LargeString:
		return func(i int) any { return a.Value(i) }, nil
	case *array.StringView:
		return func(i int) any { return a.Value(i) }, nil
	case *array.Binary:
		return func(i int) any { return a.Value(i) }, nil
	case *array.LargeBinary:
		return func(i int) any { return a.Value(i) }, nil
	case *array.BinaryView:
		return func(i int) any { return a.Value(i) }, nil
	case *array.FixedSizeBinary:
		return func(i int) any { return a.Value(i) }, nil
	case *array.Date32:
		return func(i int) any { return a.Value(i).ToTime() }, nil
	case *array.Date64:
		return func(i int) any { return a.Value(i).ToTime() }, nil
	case *array.Time32:
		u := a.DataType().(*arrow.Time32Type).Unit
		return func(i int) any { return a.Value(i).ToTime(u) }, nil
	case *array.Time64:
		u := a.DataType().(*arrow.Time64Type).Unit
		return func(i int) any { return a.Value(i).ToTime(u) }, nil
	case *array.Timestamp:
		u := a.DataType().(*arrow.TimestampType).Unit
		return func(i int) any { return a.Value(i).ToTime(u) }, nil
	case *array.MonthDayNanoInterval:
		return func(i int) any {
			v := a.Value(i)
			return ddb.Interval{Months: v.Months, Days: v.Days, Micros: v.Nanoseconds / 1000}
		}, nil
	case *array.DayTimeInterval:
		return func(i int) any {
			v := a.Value(i)
			return ddb.Interval{Days: v.Days, Micros: int64(v.Milliseconds) * 1000}
		}, nil
	case *array.MonthInterval:
		return func(i int) any { return ddb.Interval{Months: int32(a.Value(i))} }, nil
	case *array.Duration:
		u := a.DataType().(*arrow.DurationType).Unit
		return func(i int) any {
			return ddb.Interval{Micros: int64(time.Duration(a.Value(i)) * u.Multiplier() / time.Microsecond)}
		}, nil
	case *array.Map:
		return mapGetter(a)
	case array.ListLike:
		return listGetter(a)
	case *array.Struct:
		return structGetter(a)
	}
	return nil, fmt.Errorf("arrow type %s cannot be loaded into DuckDB", arr.DataType())
}

func listGetter(a array.ListLike) (getter, error) {
	elem, err := getterFor(a.ListValues())
	if err != nil {
		return nil, err
	}
	return func(i int) any {
		start, end := a.ValueOffsets(i)
		out := make([]any, 0, end-start)
		for j := start; j < end; j++ {
			out = append(out, elem(int(j)))
		}
		return out
	}, nil
}

func mapGetter(a *array.Map) (getter, error) {
	keys, err := getterFor(a.Keys())
	if err != nil {
		return nil, err
	}
	items, err := getterFor(a.Items())
	if err != nil {
		return nil, err
	}
	return func(i int) any {
		start, end := a.ValueOffsets(i)
		var m ddb.OrderedMap
		for j := start; j < end; j++ {
			m.Set(keys(int(j)), items(int(j)))
		}
		return m
	}, nil
}

func structGetter(a *array.Struct) (getter, error) {
	t := a.DataType().(*arrow.StructType)
	fields := make([]getter, a.NumField())
	for k := range fields {
		g, err := getterFor(a.Field(k))
		if err != nil {
			return nil, err
		}
		fields[k] = g
	}
	return func(i int) any {
		m := make(map[string]any, len(fields))
		for k, g := range fields {
			m[t.Field(k).Name] = g(i)
		}
		return m
	}, nil
}
