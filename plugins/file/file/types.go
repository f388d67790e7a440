package file

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Field metadata keys and values of the logical model (see proto/logical;
// plugins import only the sdk, so the few names used here are repeated).
const (
	metaLogical = "dpone.logical"
	metaNative  = "dpone.native"
)

// colType is a column type as the file source understands it: an Arrow type
// plus the logical annotation Arrow cannot carry (uuid, json).
type colType struct {
	dt      arrow.DataType
	logical string // "", "uuid" or "json"
}

// field returns the Arrow field of a column of this type.
func (t colType) field(name, native string) arrow.Field {
	kv := map[string]string{}
	if t.logical != "" {
		kv[metaLogical] = t.logical
	}
	if native != "" {
		kv[metaNative] = native
	}
	f := arrow.Field{Name: name, Type: t.dt, Nullable: true}
	if len(kv) > 0 {
		f.Metadata = arrow.MetadataFrom(kv)
	}
	return f
}

// typeNames lists the plain type names parseTypeName accepts, for errors.
const typeNames = "bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64, " +
	"decimal(p,s), string, binary, uuid, json, date, time(p), timestamp(p), timestamp(p, tz)"

var simpleTypes = map[string]colType{
	"bool": {dt: arrow.FixedWidthTypes.Boolean}, "boolean": {dt: arrow.FixedWidthTypes.Boolean},
	"int8": {dt: arrow.PrimitiveTypes.Int8}, "int16": {dt: arrow.PrimitiveTypes.Int16},
	"int32": {dt: arrow.PrimitiveTypes.Int32}, "int64": {dt: arrow.PrimitiveTypes.Int64},
	"uint8": {dt: arrow.PrimitiveTypes.Uint8}, "uint16": {dt: arrow.PrimitiveTypes.Uint16},
	"uint32": {dt: arrow.PrimitiveTypes.Uint32}, "uint64": {dt: arrow.PrimitiveTypes.Uint64},
	"float32": {dt: arrow.PrimitiveTypes.Float32}, "float64": {dt: arrow.PrimitiveTypes.Float64},
	"string": {dt: arrow.BinaryTypes.String}, "binary": {dt: arrow.BinaryTypes.Binary},
	"uuid": {dt: arrow.BinaryTypes.String, logical: "uuid"}, "json": {dt: arrow.BinaryTypes.String, logical: "json"},
	"date":        {dt: arrow.FixedWidthTypes.Date32},
	"time":        {dt: &arrow.Time64Type{Unit: arrow.Microsecond}},
	"timestamp":   {dt: &arrow.TimestampType{Unit: arrow.Microsecond}},
	"timestamptz": {dt: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
}

// parseTypeName parses a column override such as int64, decimal(18,4) or
// timestamp(6, tz), the names logical.Name renders.
func parseTypeName(s string) (colType, error) {
	name := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	if t, ok := simpleTypes[name]; ok {
		return t, nil
	}
	base, args, ok := splitArgs(name)
	if !ok {
		return colType{}, fmt.Errorf("unknown type %q (known: %s)", s, typeNames)
	}
	switch base {
	case "decimal", "numeric":
		if len(args) < 1 || len(args) > 2 {
			return colType{}, fmt.Errorf("type %q: want decimal(precision, scale)", s)
		}
		p, err1 := strconv.Atoi(args[0])
		sc := 0
		var err2 error
		if len(args) == 2 {
			sc, err2 = strconv.Atoi(args[1])
		}
		if err1 != nil || err2 != nil || p < 1 || p > 76 || sc < 0 || sc > p {
			return colType{}, fmt.Errorf("type %q: precision must be 1..76 and scale 0..precision", s)
		}
		if p <= 38 {
			return colType{dt: &arrow.Decimal128Type{Precision: int32(p), Scale: int32(sc)}}, nil
		}
		return colType{dt: &arrow.Decimal256Type{Precision: int32(p), Scale: int32(sc)}}, nil
	case "timestamp":
		if len(args) < 1 || len(args) > 2 || (len(args) == 2 && args[1] != "tz") {
			return colType{}, fmt.Errorf("type %q: want timestamp(precision) or timestamp(precision, tz)", s)
		}
		u, err := precisionUnit(args[0])
		if err != nil {
			return colType{}, fmt.Errorf("type %q: %w", s, err)
		}
		tz := ""
		if len(args) == 2 {
			tz = "UTC"
		}
		return colType{dt: &arrow.TimestampType{Unit: u, TimeZone: tz}}, nil
	case "time":
		if len(args) != 1 {
			return colType{}, fmt.Errorf("type %q: want time(precision)", s)
		}
		u, err := precisionUnit(args[0])
		if err != nil {
			return colType{}, fmt.Errorf("type %q: %w", s, err)
		}
		if u == arrow.Second || u == arrow.Millisecond {
			return colType{dt: &arrow.Time32Type{Unit: u}}, nil
		}
		return colType{dt: &arrow.Time64Type{Unit: u}}, nil
	}
	return colType{}, fmt.Errorf("unknown type %q (known: %s)", s, typeNames)
}

// splitArgs splits "decimal(18,4)" into "decimal" and ["18", "4"].
func splitArgs(s string) (string, []string, bool) {
	open := strings.IndexByte(s, '(')
	if open <= 0 || !strings.HasSuffix(s, ")") {
		return "", nil, false
	}
	return s[:open], strings.Split(s[open+1:len(s)-1], ","), true
}

// precisionUnit maps fractional-second digits (0, 3, 6, 9) to a time unit.
func precisionUnit(s string) (arrow.TimeUnit, error) {
	switch s {
	case "0":
		return arrow.Second, nil
	case "3":
		return arrow.Millisecond, nil
	case "6":
		return arrow.Microsecond, nil
	case "9":
		return arrow.Nanosecond, nil
	}
	return 0, fmt.Errorf("precision %q must be 0, 3, 6 or 9", s)
}

// typeName renders an Arrow type the way errors and docs name it.
func typeName(t colType) string {
	if t.logical != "" {
		return t.logical
	}
	switch dt := t.dt.(type) {
	case arrow.DecimalType:
		return fmt.Sprintf("decimal(%d,%d)", dt.GetPrecision(), dt.GetScale())
	case *arrow.TimestampType:
		if dt.TimeZone != "" {
			return fmt.Sprintf("timestamp(%d, tz)", unitDigits(dt.Unit))
		}
		return fmt.Sprintf("timestamp(%d)", unitDigits(dt.Unit))
	case *arrow.Time32Type:
		return fmt.Sprintf("time(%d)", unitDigits(dt.Unit))
	case *arrow.Time64Type:
		return fmt.Sprintf("time(%d)", unitDigits(dt.Unit))
	case *arrow.BooleanType:
		return "bool"
	case *arrow.Date32Type:
		return "date"
	case *arrow.StringType:
		return "string"
	}
	return t.dt.String()
}

func unitDigits(u arrow.TimeUnit) int {
	return [...]int{0, 3, 6, 9}[u]
}
