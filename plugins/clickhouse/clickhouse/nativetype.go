package clickhouse

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// sourceType is how the source reads one ClickHouse type: its Arrow type,
// extra field metadata, and the SELECT expression that turns the column
// into a value the driver scans into a simple Go type.
type sourceType struct {
	dt       arrow.DataType
	nullable bool
	meta     map[string]string
	// expr renders the select expression of column c ("%s" is the quoted
	// column): toString for types read as text.
	expr string
}

var (
	reDecimal    = regexp.MustCompile(`^Decimal(32|64|128|256)?\((\d+)(?:,\s*(\d+))?\)$`)
	reDateTime64 = regexp.MustCompile(`^DateTime64\((\d)(?:,\s*'([^']*)')?\)$`)
	reDateTime   = regexp.MustCompile(`^DateTime(?:\('([^']*)'\))?$`)
	reFixed      = regexp.MustCompile(`^FixedString\((\d+)\)$`)
)

// parseNative maps a ClickHouse column type to how the source reads it.
func parseNative(typ string) (sourceType, error) {
	t := typ
	st := sourceType{expr: "%s", meta: map[string]string{sdk.MetaNative: typ}}
	if strings.HasPrefix(t, "LowCardinality(") {
		t = strings.TrimSuffix(strings.TrimPrefix(t, "LowCardinality("), ")")
		// Read as the plain type: the dictionary is the server's affair
		// (and ch-go's blocks decode no LowCardinality(Nullable(T))).
		st.expr = "CAST(%s AS " + t + ")"
	}
	if strings.HasPrefix(t, "Nullable(") {
		t = strings.TrimSuffix(strings.TrimPrefix(t, "Nullable("), ")")
		st.nullable = true
	}
	text := func() (sourceType, error) {
		st.dt, st.expr = arrow.BinaryTypes.String, "toString(%s)"
		st.meta[metaTextForm] = "true"
		return st, nil
	}
	switch t {
	case "Bool":
		st.dt = arrow.FixedWidthTypes.Boolean
	case "Int8":
		st.dt = arrow.PrimitiveTypes.Int8
	case "Int16":
		st.dt = arrow.PrimitiveTypes.Int16
	case "Int32":
		st.dt = arrow.PrimitiveTypes.Int32
	case "Int64":
		st.dt = arrow.PrimitiveTypes.Int64
	case "UInt8":
		st.dt = arrow.PrimitiveTypes.Uint8
	case "UInt16":
		st.dt = arrow.PrimitiveTypes.Uint16
	case "UInt32":
		st.dt = arrow.PrimitiveTypes.Uint32
	case "UInt64":
		st.dt = arrow.PrimitiveTypes.Uint64
	case "Int128", "UInt128":
		st.dt, st.expr = &arrow.Decimal256Type{Precision: 39, Scale: 0}, "toString(%s)"
	case "Int256", "UInt256":
		// 77 digits: wider than Arrow's Decimal256 (76).
		st.meta[metaDecimalText] = "77,0"
		st.dt, st.expr = arrow.BinaryTypes.String, "toString(%s)"
	case "Float32":
		st.dt = arrow.PrimitiveTypes.Float32
	case "Float64":
		st.dt = arrow.PrimitiveTypes.Float64
	case "String":
		st.dt = arrow.BinaryTypes.String
	case "UUID":
		st.dt, st.expr = arrow.BinaryTypes.String, "toString(%s)"
		st.meta[sdk.MetaLogical] = sdk.LogicalUUID
	case "JSON", "Object('json')":
		st.dt, st.expr = arrow.BinaryTypes.String, "toJSONString(%s)"
		st.meta[sdk.MetaLogical] = sdk.LogicalJSON
	case "Date", "Date32":
		st.dt = arrow.FixedWidthTypes.Date32
	case "IPv4", "IPv6":
		return text()
	default:
		switch {
		case reDecimal.MatchString(t):
			m := reDecimal.FindStringSubmatch(t)
			p, _ := strconv.Atoi(m[2])
			s, _ := strconv.Atoi(m[3])
			if m[1] != "" { // Decimal32(S): the argument is the scale
				s = p
				p = map[string]int{"32": 9, "64": 18, "128": 38, "256": 76}[m[1]]
			}
			if p <= 38 {
				st.dt = &arrow.Decimal128Type{Precision: int32(p), Scale: int32(s)}
			} else {
				st.dt = &arrow.Decimal256Type{Precision: int32(p), Scale: int32(s)}
			}
			st.expr = "toString(%s)"
		case reDateTime64.MatchString(t):
			m := reDateTime64.FindStringSubmatch(t)
			p, _ := strconv.Atoi(m[1])
			unit := arrow.Nanosecond
			switch {
			case p == 0:
				unit = arrow.Second
			case p <= 3:
				unit = arrow.Millisecond
			case p <= 6:
				unit = arrow.Microsecond
			}
			st.dt = &arrow.TimestampType{Unit: unit, TimeZone: m[2]}
			st.meta[metaFractionDigits] = m[1]
		case reDateTime.MatchString(t):
			m := reDateTime.FindStringSubmatch(t)
			st.dt = &arrow.TimestampType{Unit: arrow.Second, TimeZone: m[1]}
			st.meta[metaFractionDigits] = "0"
		case reFixed.MatchString(t):
			st.dt, st.expr = arrow.BinaryTypes.String, "toString(%s)"
			st.meta[sdk.MetaMaxLength] = reFixed.FindStringSubmatch(t)[1]
			st.meta[metaFixedLength] = "true"
		case strings.HasPrefix(t, "Map("), strings.HasPrefix(t, "Tuple("):
			// A map is a json object (keys as text), a named tuple an
			// object, an unnamed one an array.
			st.dt, st.expr = arrow.BinaryTypes.String, "toJSONString(%s)"
			st.meta[sdk.MetaLogical] = sdk.LogicalJSON
		case strings.HasPrefix(t, "Enum8(") || strings.HasPrefix(t, "Enum16("),
			strings.HasPrefix(t, "Array("), strings.HasPrefix(t, "Time"):
			return text()
		default:
			return st, fmt.Errorf("ClickHouse type %s has no dpone type in this connector version", typ)
		}
	}
	return st, nil
}

// field is the Arrow field of a column read as st.
func (st sourceType) field(name string) arrow.Field {
	keys := make([]string, 0, len(st.meta))
	vals := make([]string, 0, len(st.meta))
	for _, k := range []string{sdk.MetaNative, sdk.MetaLogical, metaTextForm, metaDecimalText, metaFractionDigits, sdk.MetaMaxLength, metaFixedLength} {
		if v, ok := st.meta[k]; ok {
			keys, vals = append(keys, k), append(vals, v)
		}
	}
	return arrow.Field{Name: name, Type: st.dt, Nullable: st.nullable, Metadata: arrow.NewMetadata(keys, vals)}
}
