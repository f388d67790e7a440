package kafka

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// declaredColumn is a JSON value column declared in source.options.columns
// instead of inferred from a sample.
type declaredColumn struct {
	// Name is the JSON object's field.
	Name string `json:"name"`
	// Type is bool, int32, int64, float64, string, binary (base64 text is
	// not decoded: bytes as written), date, timestamp (UTC), decimal(p,s),
	// uuid or json (the value's JSON text, nested or not).
	Type string `json:"type"`
}

var declaredTypes = "bool, int32, int64, float64, string, date, timestamp, decimal(p,s), uuid or json"

// declaredFields are the Arrow columns of declared columns (all nullable:
// a message without the field has NULL).
func declaredFields(cols []declaredColumn) ([]arrow.Field, error) {
	seen := map[string]bool{}
	out := make([]arrow.Field, 0, len(cols))
	for i, c := range cols {
		if c.Name == "" {
			return nil, sdk.Errorf(sdk.CodeConfig, "kafka source options: columns[%d]: name is required", i)
		}
		if seen[c.Name] {
			return nil, sdk.Errorf(sdk.CodeConfig, "kafka source options: columns: %q is declared twice", c.Name)
		}
		seen[c.Name] = true
		f, err := declaredField(c.Type)
		if err != nil {
			return nil, sdk.Errorf(sdk.CodeConfig, "kafka source options: columns[%d] (%s): %v", i, c.Name, err)
		}
		f.Name, f.Nullable = c.Name, true
		out = append(out, f)
	}
	return out, nil
}

func declaredField(t string) (arrow.Field, error) {
	name := strings.ToLower(strings.TrimSpace(t))
	switch name {
	case "bool", "boolean":
		return arrow.Field{Type: arrow.FixedWidthTypes.Boolean}, nil
	case "int32":
		return arrow.Field{Type: arrow.PrimitiveTypes.Int32}, nil
	case "int64":
		return arrow.Field{Type: arrow.PrimitiveTypes.Int64}, nil
	case "float64":
		return arrow.Field{Type: arrow.PrimitiveTypes.Float64}, nil
	case "string":
		return arrow.Field{Type: arrow.BinaryTypes.String}, nil
	case "date":
		return arrow.Field{Type: arrow.FixedWidthTypes.Date32}, nil
	case "timestamp", "timestamptz":
		return arrow.Field{Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}}, nil
	case "uuid":
		return arrow.Field{Type: arrow.BinaryTypes.String, Metadata: arrow.NewMetadata([]string{sdk.MetaLogical}, []string{sdk.LogicalUUID})}, nil
	case "json":
		return arrow.Field{Type: arrow.BinaryTypes.String, Metadata: jsonMeta}, nil
	}
	if strings.HasPrefix(name, "decimal(") && strings.HasSuffix(name, ")") {
		parts := strings.Split(name[len("decimal("):len(name)-1], ",")
		if len(parts) == 2 {
			p, err1 := strconv.Atoi(strings.TrimSpace(parts[0]))
			s, err2 := strconv.Atoi(strings.TrimSpace(parts[1]))
			if err1 == nil && err2 == nil && p >= 1 && p <= 38 && s >= 0 && s <= p {
				return arrow.Field{Type: &arrow.Decimal128Type{Precision: int32(p), Scale: int32(s)}}, nil
			}
		}
		return arrow.Field{}, fmt.Errorf("type %q: want decimal(precision, scale) with 1 <= precision <= 38 and 0 <= scale <= precision", t)
	}
	return arrow.Field{}, fmt.Errorf("type %q: want %s", t, declaredTypes)
}
