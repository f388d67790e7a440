package mssql

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"

	"github.com/dpone-go/dpone/sdk"
)

// bulkValue is the driver value dpone hands go-mssqldb's bulk copy for row
// i of a column created with ddlType(f): nil for NULL; decimals as their
// exact decimal string (never float); uuids as the 16 bytes in SQL Server's
// mixed-endian order; dates and times as time.Time in UTC.
func bulkValue(f arrow.Field, a arrow.Array, i int) (any, error) {
	if a.IsNull(i) {
		return nil, nil
	}
	switch a := a.(type) {
	case *array.Boolean:
		return a.Value(i), nil
	case *array.Uint8:
		return int64(a.Value(i)), nil
	case *array.Int8:
		return int64(a.Value(i)), nil
	case *array.Int16:
		return int64(a.Value(i)), nil
	case *array.Uint16:
		return int64(a.Value(i)), nil
	case *array.Int32:
		return int64(a.Value(i)), nil
	case *array.Uint32:
		return int64(a.Value(i)), nil
	case *array.Int64:
		return a.Value(i), nil
	case *array.Uint64:
		return fmt.Sprint(a.Value(i)), nil
	case *array.Float32:
		return a.Value(i), nil
	case *array.Float64:
		return a.Value(i), nil
	case *array.Decimal128:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale), nil
	case *array.Decimal256:
		return decimal256.Num(a.Value(i)).ToString(a.DataType().(*arrow.Decimal256Type).Scale), nil
	case *array.String:
		return stringValue(f, a.Value(i))
	case *array.LargeString:
		return stringValue(f, a.Value(i))
	case *array.Binary:
		return nonNilBytes(a.Value(i)), nil
	case *array.LargeBinary:
		return nonNilBytes(a.Value(i)), nil
	case *array.FixedSizeBinary:
		return nonNilBytes(a.Value(i)), nil
	case *array.Date32:
		return a.Value(i).ToTime().UTC(), nil
	case *array.Date64:
		return a.Value(i).ToTime().UTC(), nil
	case *array.Time32:
		return timeOfDay(a.Value(i).ToTime(a.DataType().(*arrow.Time32Type).Unit)), nil
	case *array.Time64:
		return timeOfDay(a.Value(i).ToTime(a.DataType().(*arrow.Time64Type).Unit)), nil
	case *array.Timestamp:
		t := a.DataType().(*arrow.TimestampType)
		return a.Value(i).ToTime(t.Unit).UTC(), nil
	}
	return nil, sdk.Errorf(sdk.CodeSchema, "mssql sink: column %q has type %s, which the SQL Server sink cannot store", f.Name, a.DataType())
}

// stringValue is a utf8 value as the driver takes it: a uuid becomes its
// wire bytes, anything else stays a string (staging columns are nvarchar,
// so the driver sends UTF-16 and no code page is involved).
func stringValue(f arrow.Field, s string) (any, error) {
	if logical(f) == sdk.LogicalUUID {
		b, err := uuidToWire(s)
		if err != nil {
			return nil, sdk.Errorf(sdk.CodeData, "mssql sink: column %q: %w", f.Name, err)
		}
		return b, nil
	}
	return s, nil
}

func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// timeOfDay anchors a time of day on 0001-01-01 UTC (bulk copy of time(n)
// reads hour, minute, second and nanosecond only).
func timeOfDay(t time.Time) time.Time {
	return time.Date(1, 1, 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// uuidToWire turns a canonical uuid string into SQL Server's byte order:
// the first three groups little-endian, the last two as written.
func uuidToWire(s string) ([]byte, error) {
	h := strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}"), "-", "")
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != 16 {
		return nil, fmt.Errorf("%q is not a uuid", s)
	}
	swapGUID(b)
	return b, nil
}

// uuidFromWire turns SQL Server's 16 uniqueidentifier bytes into the
// canonical lowercase string.
func uuidFromWire(b []byte) (string, error) {
	if len(b) != 16 {
		return "", fmt.Errorf("uniqueidentifier of %d bytes, want 16", len(b))
	}
	c := append([]byte(nil), b...)
	swapGUID(c)
	h := hex.EncodeToString(c)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// swapGUID reverses the first three groups in place (its own inverse).
func swapGUID(b []byte) {
	b[0], b[1], b[2], b[3] = b[3], b[2], b[1], b[0]
	b[4], b[5] = b[5], b[4]
	b[6], b[7] = b[7], b[6]
}

// appendValue appends a value scanned by database/sql from go-mssqldb to
// the builder of field f: decimals and money arrive as their exact digits
// ([]byte), uniqueidentifier as wire bytes, dates and times as time.Time.
func appendValue(f arrow.Field, b array.Builder, v any) error {
	if v == nil {
		b.AppendNull()
		return nil
	}
	bad := func() error {
		return sdk.Errorf(sdk.CodeData, "mssql source: column %q: value of Go type %T does not fit %s", f.Name, v, f.Type)
	}
	switch b := b.(type) {
	case *array.BooleanBuilder:
		x, ok := v.(bool)
		if !ok {
			return bad()
		}
		b.Append(x)
	case *array.Uint8Builder:
		x, ok := v.(int64)
		if !ok || x < 0 || x > 255 {
			return bad()
		}
		b.Append(uint8(x))
	case *array.Int16Builder:
		x, ok := v.(int64)
		if !ok {
			return bad()
		}
		b.Append(int16(x))
	case *array.Int32Builder:
		x, ok := v.(int64)
		if !ok {
			return bad()
		}
		b.Append(int32(x))
	case *array.Int64Builder:
		x, ok := v.(int64)
		if !ok {
			return bad()
		}
		b.Append(x)
	case *array.Float32Builder:
		switch x := v.(type) {
		case float64:
			b.Append(float32(x))
		case float32:
			b.Append(x)
		default:
			return bad()
		}
	case *array.Float64Builder:
		x, ok := v.(float64)
		if !ok {
			return bad()
		}
		b.Append(x)
	case *array.Decimal128Builder:
		var s string
		switch x := v.(type) {
		case []byte:
			s = string(x)
		case string:
			s = x
		default:
			return bad()
		}
		t := f.Type.(*arrow.Decimal128Type)
		n, err := decimal128.FromString(s, t.Precision, t.Scale)
		if err != nil {
			return sdk.Errorf(sdk.CodeData, "mssql source: column %q: decimal %q: %w", f.Name, s, err)
		}
		b.Append(n)
	case *array.StringBuilder:
		switch x := v.(type) {
		case string:
			b.Append(x)
		case []byte:
			if logical(f) == sdk.LogicalUUID {
				s, err := uuidFromWire(x)
				if err != nil {
					return sdk.Errorf(sdk.CodeData, "mssql source: column %q: %w", f.Name, err)
				}
				b.Append(s)
				return nil
			}
			b.Append(string(x))
		default:
			return bad()
		}
	case *array.BinaryBuilder:
		x, ok := v.([]byte)
		if !ok {
			return bad()
		}
		b.Append(x)
	case *array.Date32Builder:
		x, ok := v.(time.Time)
		if !ok {
			return bad()
		}
		y, m, d := x.Date()
		b.Append(arrow.Date32FromTime(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)))
	case *array.Time64Builder:
		x, ok := v.(time.Time)
		if !ok {
			return bad()
		}
		ns := int64(x.Hour())*int64(time.Hour) + int64(x.Minute())*int64(time.Minute) + int64(x.Second())*int64(time.Second) + int64(x.Nanosecond())
		if f.Type.(*arrow.Time64Type).Unit == arrow.Microsecond {
			ns /= 1000
		}
		b.Append(arrow.Time64(ns))
	case *array.TimestampBuilder:
		x, ok := v.(time.Time)
		if !ok {
			return bad()
		}
		t := f.Type.(*arrow.TimestampType)
		if t.TimeZone == "" {
			// datetime2, datetime and smalldatetime carry no zone: keep the
			// wall clock as written.
			x = time.Date(x.Year(), x.Month(), x.Day(), x.Hour(), x.Minute(), x.Second(), x.Nanosecond(), time.UTC)
		}
		ts, err := arrow.TimestampFromTime(x, t.Unit)
		if err != nil {
			return sdk.Errorf(sdk.CodeData, "mssql source: column %q: %w", f.Name, err)
		}
		b.Append(ts)
	default:
		return bad()
	}
	return nil
}
