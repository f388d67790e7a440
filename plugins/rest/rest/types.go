package rest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/dpone-go/dpone/sdk"

	"github.com/dpone-go/dpone/plugins/rest/rest/jsonlex"
)

// colType is a column's logical type (see docs/types/rest.md).
type colType struct {
	name      string // bool, int64, float64, string, date, timestamp, decimal, json
	precision int32
	scale     int32
}

var decimalRe = regexp.MustCompile(`^decimal\((\d+),\s*(\d+)\)$`)

// parseType parses a declared column type.
func parseType(s string) (colType, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	switch t {
	case "bool", "boolean":
		return colType{name: "bool"}, nil
	case "int64", "int", "integer", "bigint":
		return colType{name: "int64"}, nil
	case "float64", "float", "double", "number":
		return colType{name: "float64"}, nil
	case "string", "text":
		return colType{name: "string"}, nil
	case "date":
		return colType{name: "date"}, nil
	case "timestamp", "timestamp(6, tz)", "timestamptz":
		return colType{name: "timestamp"}, nil
	case "json":
		return colType{name: "json"}, nil
	}
	if m := decimalRe.FindStringSubmatch(t); m != nil {
		p, _ := strconv.Atoi(m[1])
		sc, _ := strconv.Atoi(m[2])
		if p < 1 || p > 38 || sc > p {
			return colType{}, fmt.Errorf("decimal(%d,%d): want 1 <= precision <= 38 and scale <= precision", p, sc)
		}
		return colType{name: "decimal", precision: int32(p), scale: int32(sc)}, nil
	}
	return colType{}, fmt.Errorf("type %q: want bool, int64, float64, string, date, timestamp, decimal(p,s) or json", s)
}

// field is the Arrow field of a column of type t.
func (t colType) field(name string, nullable bool) arrow.Field {
	f := arrow.Field{Name: name, Nullable: nullable}
	switch t.name {
	case "bool":
		f.Type = arrow.FixedWidthTypes.Boolean
	case "int64":
		f.Type = arrow.PrimitiveTypes.Int64
	case "float64":
		f.Type = arrow.PrimitiveTypes.Float64
	case "date":
		f.Type = arrow.FixedWidthTypes.Date32
	case "timestamp":
		f.Type = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case "decimal":
		f.Type = &arrow.Decimal128Type{Precision: t.precision, Scale: t.scale}
	case "json":
		f.Type = arrow.BinaryTypes.String
		f.Metadata = arrow.NewMetadata([]string{sdk.MetaLogical}, []string{sdk.LogicalJSON})
	default:
		f.Type = arrow.BinaryTypes.String
	}
	return f
}

// Accepted text forms of dates and timestamps.
var timestampLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"}

func parseTimestamp(s string) (time.Time, bool) {
	for _, l := range timestampLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// appendValue converts one raw JSON value (nil: absent) into b.
func appendValue(t colType, b array.Builder, raw json.RawMessage) error {
	if len(raw) == 0 || raw[0] == 'n' {
		b.AppendNull()
		return nil
	}
	text := func() (string, error) {
		if raw[0] == '"' {
			return unquote(raw)
		}
		if raw[0] == '{' || raw[0] == '[' {
			return "", fmt.Errorf("%s is not %s", kindOf(raw), t.name)
		}
		return string(raw), nil
	}
	switch t.name {
	case "bool":
		switch string(raw) {
		case "true", `"true"`:
			b.(*array.BooleanBuilder).Append(true)
		case "false", `"false"`:
			b.(*array.BooleanBuilder).Append(false)
		default:
			return fmt.Errorf("%s is not a bool", jsonlex.Short(raw))
		}
	case "int64":
		s, err := text()
		if err != nil {
			return err
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("%s is not an int64", jsonlex.Short(raw))
		}
		b.(*array.Int64Builder).Append(v)
	case "float64":
		s, err := text()
		if err != nil {
			return err
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("%s is not a float64", jsonlex.Short(raw))
		}
		b.(*array.Float64Builder).Append(v)
	case "decimal":
		s, err := text()
		if err != nil {
			return err
		}
		v, ok := fastDecimal(s, t.precision, t.scale)
		if ok {
			b.(*array.Decimal128Builder).Append(v)
			return nil
		}
		v, err = decimal128.FromString(s, t.precision, t.scale)
		if err != nil {
			return fmt.Errorf("%s is not a decimal(%d,%d)", jsonlex.Short(raw), t.precision, t.scale)
		}
		b.(*array.Decimal128Builder).Append(v)
	case "date":
		s, err := text()
		if err != nil {
			return err
		}
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			return fmt.Errorf("%s is not a date (YYYY-MM-DD)", jsonlex.Short(raw))
		}
		b.(*array.Date32Builder).Append(arrow.Date32FromTime(d))
	case "timestamp":
		if raw[0] != '"' { // epoch seconds
			f, err := strconv.ParseFloat(string(raw), 64)
			if err != nil {
				return fmt.Errorf("%s is not a timestamp", jsonlex.Short(raw))
			}
			b.(*array.TimestampBuilder).Append(arrow.Timestamp(int64(f * 1e6)))
			return nil
		}
		s, err := text()
		if err != nil {
			return err
		}
		ts, ok := parseTimestamp(s)
		if !ok {
			return fmt.Errorf("%s is not a timestamp (RFC 3339)", jsonlex.Short(raw))
		}
		b.(*array.TimestampBuilder).Append(arrow.Timestamp(ts.UnixMicro()))
	case "json":
		b.(*array.StringBuilder).BinaryBuilder.Append(raw)
	default:
		if raw[0] == '"' {
			if bytes.IndexByte(raw, '\\') < 0 { // no escapes: the bytes between the quotes
				b.(*array.StringBuilder).BinaryBuilder.Append(raw[1 : len(raw)-1])
				return nil
			}
			s, err := text()
			if err != nil {
				return err
			}
			b.(*array.StringBuilder).Append(s)
			return nil
		}
		b.(*array.StringBuilder).BinaryBuilder.Append(raw)
	}
	return nil
}

// fastDecimal parses plain decimals ([-]digits[.digits], at most 18
// digits, no more fraction digits than scale, fitting precision) without
// big-number arithmetic; ok is false for anything else (FromString then).
func fastDecimal(s string, precision, scale int32) (decimal128.Num, bool) {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if len(intPart) == 0 || len(intPart)+len(frac) > 18 || int32(len(frac)) > scale || int32(len(intPart)) > precision-scale {
		return decimal128.Num{}, false
	}
	var v int64
	for _, part := range []string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			c := part[i]
			if c < '0' || c > '9' {
				return decimal128.Num{}, false
			}
			v = v*10 + int64(c-'0')
		}
	}
	n := decimal128.FromI64(v)
	if pad := scale - int32(len(frac)); pad > 0 {
		n = n.Mul(decimal128.GetScaleMultiplier(int(pad)))
	}
	if neg {
		n = n.Negate()
	}
	return n, true
}

// unquote decodes a JSON string, without the decoder when it has no
// escapes (the page decoder already checked it is valid JSON).
func unquote(raw []byte) (string, error) {
	if bytes.IndexByte(raw, '\\') < 0 && len(raw) >= 2 {
		return string(raw[1 : len(raw)-1]), nil
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

func kindOf(raw []byte) string {
	if raw[0] == '{' {
		return "an object"
	}
	return "an array"
}

// inferKind is the type one raw value suggests ("" for null).
func inferKind(raw json.RawMessage) string {
	switch raw[0] {
	case 'n':
		return ""
	case 't', 'f':
		return "bool"
	case '{', '[':
		return "json"
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "string"
		}
		if _, err := time.Parse("2006-01-02", s); err == nil {
			return "date"
		}
		if _, ok := parseTimestamp(s); ok && strings.ContainsAny(s, "T ") {
			return "timestamp"
		}
		return "string"
	}
	if _, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return "int64"
	}
	return "float64"
}

// widen merges two inferred kinds: int64 and float64 make float64, date
// and timestamp make timestamp, anything else that differs makes string
// (json with anything makes json).
func widen(a, b string) string {
	switch {
	case a == "" || a == b:
		return b
	case b == "":
		return a
	case a == "json" || b == "json":
		return "json"
	case (a == "int64" && b == "float64") || (a == "float64" && b == "int64"):
		return "float64"
	case (a == "date" && b == "timestamp") || (a == "timestamp" && b == "date"):
		return "timestamp"
	}
	return "string"
}
