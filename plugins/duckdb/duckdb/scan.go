package duckdb

import (
	"fmt"
	"math/big"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	ddb "github.com/duckdb/duckdb-go/v2"
)

// appendValue appends v, a value the DuckDB driver returned for a column
// selected as its nativeType.scan, to b.
func appendValue(b array.Builder, v any) error {
	if v == nil {
		b.AppendNull()
		return nil
	}
	ok := true
	switch b := b.(type) {
	case *array.BooleanBuilder:
		x, k := v.(bool)
		ok = k
		b.Append(x)
	case *array.Int8Builder:
		x, k := v.(int8)
		ok = k
		b.Append(x)
	case *array.Int16Builder:
		x, k := v.(int16)
		ok = k
		b.Append(x)
	case *array.Int32Builder:
		x, k := v.(int32)
		ok = k
		b.Append(x)
	case *array.Int64Builder:
		x, k := v.(int64)
		ok = k
		b.Append(x)
	case *array.Uint8Builder:
		x, k := v.(uint8)
		ok = k
		b.Append(x)
	case *array.Uint16Builder:
		x, k := v.(uint16)
		ok = k
		b.Append(x)
	case *array.Uint32Builder:
		x, k := v.(uint32)
		ok = k
		b.Append(x)
	case *array.Uint64Builder:
		x, k := v.(uint64)
		ok = k
		b.Append(x)
	case *array.Float32Builder:
		x, k := v.(float32)
		ok = k
		b.Append(x)
	case *array.Float64Builder:
		x, k := v.(float64)
		ok = k
		b.Append(x)
	case *array.Decimal128Builder:
		var n *big.Int
		switch x := v.(type) {
		case ddb.Decimal:
			n = x.Value
		case *big.Int:
			n = x
		default:
			ok = false
		}
		if ok {
			b.Append(decimal128.FromBigInt(n))
		}
	case *array.StringBuilder:
		switch x := v.(type) {
		case string:
			b.Append(x)
		case []byte:
			b.Append(string(x))
		default:
			b.Append(fmt.Sprint(x))
		}
	case *array.BinaryBuilder:
		switch x := v.(type) {
		case []byte:
			b.Append(x)
		case string:
			b.AppendString(x)
		default:
			ok = false
		}
	case *array.Date32Builder:
		x, k := v.(time.Time)
		ok = k
		b.Append(arrow.Date32FromTime(x))
	case *array.Time64Builder:
		x, k := v.(time.Time)
		ok = k
		d := time.Duration(x.Hour())*time.Hour + time.Duration(x.Minute())*time.Minute +
			time.Duration(x.Second())*time.Second + time.Duration(x.Nanosecond())
		b.Append(arrow.Time64(d / time.Microsecond))
	case *array.TimestampBuilder:
		x, k := v.(time.Time)
		ok = k
		ts, err := arrow.TimestampFromTime(x, b.Type().(*arrow.TimestampType).Unit)
		if err != nil {
			return err
		}
		b.Append(ts)
	case *array.MonthDayNanoIntervalBuilder:
		x, k := v.(ddb.Interval)
		ok = k
		b.Append(arrow.MonthDayNanoInterval{Months: x.Months, Days: x.Days, Nanoseconds: x.Micros * 1000})
	case *array.MapBuilder:
		return appendMap(b, v)
	case *array.ListBuilder:
		xs, k := v.([]any)
		if !k {
			ok = false
			break
		}
		b.Append(true)
		for _, e := range xs {
			if err := appendValue(b.ValueBuilder(), e); err != nil {
				return err
			}
		}
	case *array.StructBuilder:
		m, k := v.(map[string]any)
		if !k {
			ok = false
			break
		}
		b.Append(true)
		st := b.Type().(*arrow.StructType)
		for i := 0; i < b.NumField(); i++ {
			if err := appendValue(b.FieldBuilder(i), m[st.Field(i).Name]); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("no conversion into %s", b.Type())
	}
	if !ok {
		return fmt.Errorf("driver value %T does not convert to %s", v, b.Type())
	}
	return nil
}

func appendMap(b *array.MapBuilder, v any) error {
	var keys, vals []any
	switch m := v.(type) {
	case ddb.OrderedMap:
		keys, vals = m.Keys(), m.Values()
	case ddb.Map:
		for k, x := range m {
			keys, vals = append(keys, k), append(vals, x)
		}
	default:
		return fmt.Errorf("driver value %T does not convert to %s", v, b.Type())
	}
	b.Append(true)
	for i := range keys {
		if err := appendValue(b.KeyBuilder(), keys[i]); err != nil {
			return err
		}
		if err := appendValue(b.ItemBuilder(), vals[i]); err != nil {
			return err
		}
	}
	return nil
}
