package duckdb

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// nativeType is a DuckDB column type as dpone reads it: the Arrow field
// type, and the type to cast the column to in a SELECT so that the driver
// returns Go values the reader can convert (uuid and json come as text,
// types without an Arrow twin as their text form).
type nativeType struct {
	dt      arrow.DataType
	logical string // metaLogical value, "" for none
	scan    string // DuckDB type to select the column as
}

// parseNative parses a DuckDB type name as duckdb_columns() and DESCRIBE
// print it: BIGINT, DECIMAL(18,4), TIMESTAMP WITH TIME ZONE, INTEGER[],
// STRUCT(a INTEGER, "b c" VARCHAR), MAP(VARCHAR, BIGINT), ...
func parseNative(s string) (nativeType, error) {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "]") {
		i := matchOpen(s, len(s)-1, '[', ']')
		if i <= 0 {
			return nativeType{}, fmt.Errorf("unbalanced brackets in type %q", s)
		}
		e, err := parseNative(s[:i])
		if err != nil {
			return nativeType{}, err
		}
		md := arrow.Metadata{}
		if e.logical != "" {
			md = arrow.NewMetadata([]string{metaLogical}, []string{e.logical})
		}
		return nativeType{dt: arrow.ListOfField(arrow.Field{Name: "item", Type: e.dt, Nullable: true, Metadata: md}),
			scan: e.scan + "[]"}, nil
	}
	name, args := s, ""
	if i := strings.IndexByte(s, '('); i > 0 && strings.HasSuffix(s, ")") {
		name, args = strings.TrimSpace(s[:i]), s[i+1:len(s)-1]
	}
	upper := strings.ToUpper(name)
	switch upper {
	case "STRUCT":
		return parseStruct(args)
	case "MAP":
		parts := splitTop(args)
		if len(parts) != 2 {
			return nativeType{}, fmt.Errorf("map type %q: want two arguments", s)
		}
		k, err := parseNative(parts[0])
		if err != nil {
			return nativeType{}, err
		}
		v, err := parseNative(parts[1])
		if err != nil {
			return nativeType{}, err
		}
		return nativeType{dt: arrow.MapOf(k.dt, v.dt), scan: "MAP(" + k.scan + ", " + v.scan + ")"}, nil
	case "DECIMAL", "NUMERIC":
		p, sc := 18, 3
		if args != "" {
			parts := splitTop(args)
			var err error
			if p, err = strconv.Atoi(strings.TrimSpace(parts[0])); err != nil {
				return nativeType{}, fmt.Errorf("decimal type %q: %w", s, err)
			}
			sc = 0
			if len(parts) > 1 {
				if sc, err = strconv.Atoi(strings.TrimSpace(parts[1])); err != nil {
					return nativeType{}, fmt.Errorf("decimal type %q: %w", s, err)
				}
			}
		}
		return nativeType{dt: &arrow.Decimal128Type{Precision: int32(p), Scale: int32(sc)}, scan: fmt.Sprintf("DECIMAL(%d,%d)", p, sc)}, nil
	}
	if nt, ok := scalarNatives[upper]; ok {
		if nt.scan == "" {
			nt.scan = upper
		}
		return nt, nil
	}
	// ENUM, UNION, BIT, BIGNUM, GEOMETRY, TIME WITH TIME ZONE, ...: text.
	return nativeType{dt: arrow.BinaryTypes.String, scan: "VARCHAR"}, nil
}

var scalarNatives = map[string]nativeType{
	"BOOLEAN":                  {dt: arrow.FixedWidthTypes.Boolean},
	"TINYINT":                  {dt: arrow.PrimitiveTypes.Int8},
	"SMALLINT":                 {dt: arrow.PrimitiveTypes.Int16},
	"INTEGER":                  {dt: arrow.PrimitiveTypes.Int32},
	"BIGINT":                   {dt: arrow.PrimitiveTypes.Int64},
	"UTINYINT":                 {dt: arrow.PrimitiveTypes.Uint8},
	"USMALLINT":                {dt: arrow.PrimitiveTypes.Uint16},
	"UINTEGER":                 {dt: arrow.PrimitiveTypes.Uint32},
	"UBIGINT":                  {dt: arrow.PrimitiveTypes.Uint64},
	"HUGEINT":                  {dt: &arrow.Decimal128Type{Precision: 38, Scale: 0}, scan: "DECIMAL(38,0)"},
	"UHUGEINT":                 {dt: &arrow.Decimal128Type{Precision: 38, Scale: 0}, scan: "DECIMAL(38,0)"},
	"FLOAT":                    {dt: arrow.PrimitiveTypes.Float32},
	"DOUBLE":                   {dt: arrow.PrimitiveTypes.Float64},
	"VARCHAR":                  {dt: arrow.BinaryTypes.String},
	"BLOB":                     {dt: arrow.BinaryTypes.Binary},
	"DATE":                     {dt: arrow.FixedWidthTypes.Date32},
	"TIME":                     {dt: arrow.FixedWidthTypes.Time64us},
	"TIMESTAMP":                {dt: &arrow.TimestampType{Unit: arrow.Microsecond}},
	"TIMESTAMP_S":              {dt: &arrow.TimestampType{Unit: arrow.Second}},
	"TIMESTAMP_MS":             {dt: &arrow.TimestampType{Unit: arrow.Millisecond}},
	"TIMESTAMP_NS":             {dt: &arrow.TimestampType{Unit: arrow.Nanosecond}},
	"TIMESTAMP WITH TIME ZONE": {dt: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, scan: "TIMESTAMPTZ"},
	"TIMESTAMPTZ":              {dt: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
	"INTERVAL":                 {dt: arrow.FixedWidthTypes.MonthDayNanoInterval},
	"UUID":                     {dt: arrow.BinaryTypes.String, logical: logicalUUID, scan: "VARCHAR"},
	"JSON":                     {dt: arrow.BinaryTypes.String, logical: logicalJSON, scan: "VARCHAR"},
}

func parseStruct(args string) (nativeType, error) {
	var fields []arrow.Field
	var scans []string
	for _, part := range splitTop(args) {
		name, rest, err := splitName(strings.TrimSpace(part))
		if err != nil {
			return nativeType{}, err
		}
		ft, err := parseNative(rest)
		if err != nil {
			return nativeType{}, fmt.Errorf("struct field %q: %w", name, err)
		}
		fields = append(fields, ft.field(name, true))
		scans = append(scans, quote(name)+" "+ft.scan)
	}
	return nativeType{dt: arrow.StructOf(fields...), scan: "STRUCT(" + strings.Join(scans, ", ") + ")"}, nil
}

// field makes an Arrow field of this type, with dpone metadata.
func (n nativeType) field(name string, nullable bool) arrow.Field {
	f := arrow.Field{Name: name, Type: n.dt, Nullable: nullable}
	if n.logical != "" {
		f.Metadata = arrow.NewMetadata([]string{metaLogical}, []string{n.logical})
	}
	return f
}

// splitName splits `name TYPE` or `"quoted name" TYPE`.
func splitName(s string) (name, rest string, err error) {
	if strings.HasPrefix(s, `"`) {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			if s[i] == '"' {
				if i+1 < len(s) && s[i+1] == '"' {
					b.WriteByte('"')
					i++
					continue
				}
				return b.String(), strings.TrimSpace(s[i+1:]), nil
			}
			b.WriteByte(s[i])
		}
		return "", "", fmt.Errorf("unterminated name in %q", s)
	}
	i := strings.IndexByte(s, ' ')
	if i < 0 {
		return "", "", fmt.Errorf("struct field %q has no type", s)
	}
	return s[:i], strings.TrimSpace(s[i+1:]), nil
}

// splitTop splits s at commas outside parentheses, brackets and quotes.
func splitTop(s string) []string {
	var parts []string
	depth, start := 0, 0
	inQuote := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQuote != 0:
			if c == inQuote {
				inQuote = 0
			}
		case c == '"' || c == '\'':
			inQuote = c
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			depth--
		case c == ',' && depth == 0:
			parts = append(parts, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(parts, strings.TrimSpace(s[start:]))
}

// matchOpen returns the index of the open bracket matching s[end].
func matchOpen(s string, end int, open, closing byte) int {
	depth := 0
	for i := end; i >= 0; i-- {
		switch s[i] {
		case closing:
			depth++
		case open:
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}
