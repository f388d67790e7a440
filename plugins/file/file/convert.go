package file

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
)

// appendText appends one text value to a column builder. Its error says
// what is wrong with the value; the caller adds file, line and column.
type appendText func(s string) error

// valueError is a value that does not convert to its column's type.
type valueError struct {
	value string
	want  string
	why   string
}

func (e *valueError) Error() string {
	v := e.value
	if len(v) > 64 {
		v = v[:61] + "..."
	}
	if e.why != "" {
		return fmt.Sprintf("%q is not %s: %s", v, withArticle(e.want), e.why)
	}
	return fmt.Sprintf("%q is not %s", v, withArticle(e.want))
}

// withArticle prefixes a type name with "a" or "an": an int64, a date.
func withArticle(name string) string {
	if name != "" && strings.ContainsAny(name[:1], "aeiou") {
		return "an " + name
	}
	return "a " + name
}

// newAppender returns the text converter for a column of type t writing
// into b (a builder of t.dt).
func newAppender(t colType, b array.Builder) appendText {
	bad := func(s string) error { return &valueError{value: s, want: typeName(t)} }
	switch dt := t.dt.(type) {
	case *arrow.BooleanType:
		bb := b.(*array.BooleanBuilder)
		return func(s string) error {
			v, ok := parseBool(s)
			if !ok {
				return bad(s)
			}
			bb.Append(v)
			return nil
		}
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Int64Type:
		return intAppender(b, dt.(arrow.FixedWidthDataType).BitWidth(), bad)
	case *arrow.Uint8Type, *arrow.Uint16Type, *arrow.Uint32Type, *arrow.Uint64Type:
		return uintAppender(b, dt.(arrow.FixedWidthDataType).BitWidth(), bad)
	case *arrow.Float32Type:
		fb := b.(*array.Float32Builder)
		return func(s string) error {
			v, err := strconv.ParseFloat(s, 32)
			if err != nil {
				return bad(s)
			}
			fb.Append(float32(v))
			return nil
		}
	case *arrow.Float64Type:
		fb := b.(*array.Float64Builder)
		return func(s string) error {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return bad(s)
			}
			fb.Append(v)
			return nil
		}
	case *arrow.Decimal128Type:
		db := b.(*array.Decimal128Builder)
		return func(s string) error {
			big, small, isSmall, err := parseDecimal(s, dt.Precision, dt.Scale)
			if err != nil {
				return &valueError{value: s, want: typeName(t), why: errWhy(err)}
			}
			if isSmall {
				db.Append(decimal128.FromI64(small))
			} else {
				db.Append(decimal128.FromBigInt(big))
			}
			return nil
		}
	case *arrow.Decimal256Type:
		db := b.(*array.Decimal256Builder)
		return func(s string) error {
			big, small, isSmall, err := parseDecimal(s, dt.Precision, dt.Scale)
			if err != nil {
				return &valueError{value: s, want: typeName(t), why: errWhy(err)}
			}
			if isSmall {
				db.Append(decimal256.FromI64(small))
			} else {
				db.Append(decimal256.FromBigInt(big))
			}
			return nil
		}
	case *arrow.StringType:
		sb := b.(*array.StringBuilder)
		switch t.logical {
		case "uuid":
			return func(s string) error {
				if !isUUID(s) {
					return bad(s)
				}
				sb.Append(strings.ToLower(s))
				return nil
			}
		case "json":
			return func(s string) error {
				if !json.Valid([]byte(s)) {
					return bad(s)
				}
				sb.Append(s)
				return nil
			}
		}
		return func(s string) error { sb.Append(s); return nil }
	case *arrow.BinaryType:
		bb := b.(*array.BinaryBuilder)
		return func(s string) error { bb.AppendString(s); return nil }
	case *arrow.Date32Type:
		db := b.(*array.Date32Builder)
		return func(s string) error {
			c, ok := parseDate(s)
			if !ok {
				return bad(s)
			}
			db.Append(arrow.Date32(c.days()))
			return nil
		}
	case *arrow.Time32Type, *arrow.Time64Type:
		return timeAppender(b, bad)
	case *arrow.TimestampType:
		tb := b.(*array.TimestampBuilder)
		div := int64(1)
		for u := dt.Unit; u < arrow.Nanosecond; u++ {
			div *= 1000
		}
		mul := int64(1e9) / div
		return func(s string) error {
			c, ok := parseTimestamp(s)
			if !ok {
				if c, ok = parseDate(s); !ok {
					return bad(s)
				}
			}
			sec, nsec := c.unix()
			tb.Append(arrow.Timestamp(sec*mul + nsec/div))
			return nil
		}
	}
	return func(s string) error {
		return fmt.Errorf("column type %s cannot be read from text", t.dt)
	}
}

func errWhy(err error) string {
	if err == errDecimalSyntax {
		return ""
	}
	return err.Error()
}

func intAppender(b array.Builder, bits int, bad func(string) error) appendText {
	return func(s string) error {
		v, err := strconv.ParseInt(s, 10, bits)
		if err != nil {
			return bad(s)
		}
		switch bb := b.(type) {
		case *array.Int64Builder:
			bb.Append(v)
		case *array.Int32Builder:
			bb.Append(int32(v))
		case *array.Int16Builder:
			bb.Append(int16(v))
		case *array.Int8Builder:
			bb.Append(int8(v))
		}
		return nil
	}
}

func uintAppender(b array.Builder, bits int, bad func(string) error) appendText {
	return func(s string) error {
		v, err := strconv.ParseUint(s, 10, bits)
		if err != nil {
			return bad(s)
		}
		switch bb := b.(type) {
		case *array.Uint64Builder:
			bb.Append(v)
		case *array.Uint32Builder:
			bb.Append(uint32(v))
		case *array.Uint16Builder:
			bb.Append(uint16(v))
		case *array.Uint8Builder:
			bb.Append(uint8(v))
		}
		return nil
	}
}

func timeAppender(b array.Builder, bad func(string) error) appendText {
	return func(s string) error {
		var c civil
		rest, ok := parseClock(s, &c)
		if !ok || rest != "" {
			return bad(s)
		}
		ns := int64(c.hour*3600+c.min*60+c.sec)*1e9 + int64(c.nsec)
		switch bb := b.(type) {
		case *array.Time32Builder:
			if bb.Type().(*arrow.Time32Type).Unit == arrow.Second {
				bb.Append(arrow.Time32(ns / 1e9))
			} else {
				bb.Append(arrow.Time32(ns / 1e6))
			}
		case *array.Time64Builder:
			if bb.Type().(*arrow.Time64Type).Unit == arrow.Microsecond {
				bb.Append(arrow.Time64(ns / 1e3))
			} else {
				bb.Append(arrow.Time64(ns))
			}
		}
		return nil
	}
}

// parseBool accepts true/false, t/f, yes/no, y/n and 1/0 in any case.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "t", "yes", "y", "1":
		return true, true
	case "false", "f", "no", "n", "0":
		return false, true
	}
	return false, false
}

// isUUID reports whether s is a UUID in its 8-4-4-4-12 hex form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}
