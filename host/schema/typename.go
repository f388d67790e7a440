package schema

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/logical"
)

// Default fractional digits of "time" and "timestamp" written without a
// precision.
const defaultTimePrecision = 6

// scalarKinds are the type names ParseType accepts without arguments.
var scalarKinds = map[string]connectorv1.TypeKind{
	"bool": connectorv1.TypeKind_TYPE_KIND_BOOL, "boolean": connectorv1.TypeKind_TYPE_KIND_BOOL,
	"int8": connectorv1.TypeKind_TYPE_KIND_INT8, "int16": connectorv1.TypeKind_TYPE_KIND_INT16,
	"int32": connectorv1.TypeKind_TYPE_KIND_INT32, "int64": connectorv1.TypeKind_TYPE_KIND_INT64,
	"uint8": connectorv1.TypeKind_TYPE_KIND_UINT8, "uint16": connectorv1.TypeKind_TYPE_KIND_UINT16,
	"uint32": connectorv1.TypeKind_TYPE_KIND_UINT32, "uint64": connectorv1.TypeKind_TYPE_KIND_UINT64,
	"float32": connectorv1.TypeKind_TYPE_KIND_FLOAT32, "float64": connectorv1.TypeKind_TYPE_KIND_FLOAT64,
	"string": connectorv1.TypeKind_TYPE_KIND_STRING, "binary": connectorv1.TypeKind_TYPE_KIND_BINARY,
	"date": connectorv1.TypeKind_TYPE_KIND_DATE, "time": connectorv1.TypeKind_TYPE_KIND_TIME,
	"timestamp": connectorv1.TypeKind_TYPE_KIND_TIMESTAMP, "timestamptz": connectorv1.TypeKind_TYPE_KIND_TIMESTAMP,
	"interval": connectorv1.TypeKind_TYPE_KIND_INTERVAL, "uuid": connectorv1.TypeKind_TYPE_KIND_UUID,
	"json": connectorv1.TypeKind_TYPE_KIND_JSON, "decimal": connectorv1.TypeKind_TYPE_KIND_DECIMAL,
}

// typeNames lists the names ParseType knows, for "did you mean".
var typeNames = func() []string {
	out := make([]string, 0, len(scalarKinds))
	for k := range scalarKinds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}()

// ParseType parses a logical type written the way plans and contracts show
// it (the output of logical.Name): "int64", "decimal(18,4)", "string",
// "string(255)", "binary(16)", "time(3)", "timestamp", "timestamp(6)",
// "timestamp(6, tz)", "timestamptz", "date", "uuid", "json", ...
// "timestamp" and "time" without digits mean 6; "decimal(p)" means scale 0.
// Nested types (list, struct, map) cannot be written yet.
func ParseType(s string) (*connectorv1.LogicalType, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	var args []string
	if open := strings.IndexByte(name, '('); open >= 0 {
		if !strings.HasSuffix(name, ")") {
			return nil, fmt.Errorf("type %q: missing closing parenthesis", s)
		}
		for _, a := range strings.Split(name[open+1:len(name)-1], ",") {
			args = append(args, strings.TrimSpace(a))
		}
		name = strings.TrimSpace(name[:open])
	}
	kind, ok := scalarKinds[name]
	if !ok {
		if strings.HasPrefix(name, "list") || strings.HasPrefix(name, "struct") || strings.HasPrefix(name, "map") {
			return nil, fmt.Errorf("type %q: nested types cannot be declared yet", s)
		}
		return nil, fmt.Errorf("type %q is not a logical type%s", s, didYouMean(name, typeNames))
	}
	lt := &connectorv1.LogicalType{Kind: kind}
	ints, tz, err := typeArgs(args)
	if err != nil {
		return nil, fmt.Errorf("type %q: %w", s, err)
	}
	switch kind {
	case connectorv1.TypeKind_TYPE_KIND_DECIMAL:
		if len(ints) < 1 || len(ints) > 2 || tz {
			return nil, fmt.Errorf("type %q: write decimal(precision, scale)", s)
		}
		lt.Precision = ints[0]
		if len(ints) == 2 {
			lt.Scale = ints[1]
		}
		if lt.Precision < 1 || lt.Scale < 0 || lt.Scale > lt.Precision {
			return nil, fmt.Errorf("type %q: need 1 <= precision and 0 <= scale <= precision", s)
		}
		return lt, nil
	case connectorv1.TypeKind_TYPE_KIND_STRING, connectorv1.TypeKind_TYPE_KIND_BINARY:
		if len(ints) > 1 || tz {
			return nil, fmt.Errorf("type %q: write %s or %s(max_length)", s, name, name)
		}
		if len(ints) == 1 {
			lt.MaxLength = int64(ints[0])
		}
		return lt, nil
	case connectorv1.TypeKind_TYPE_KIND_TIME, connectorv1.TypeKind_TYPE_KIND_TIMESTAMP:
		lt.Precision = defaultTimePrecision
		lt.WithTimeZone = name == "timestamptz" || tz
		if tz && kind == connectorv1.TypeKind_TYPE_KIND_TIME || len(ints) > 1 {
			return nil, fmt.Errorf("type %q: write %s(digits) or timestamp(digits, tz)", s, name)
		}
		if len(ints) == 1 {
			lt.Precision = ints[0]
		}
		if lt.Precision < 0 || lt.Precision > 9 {
			return nil, fmt.Errorf("type %q: fractional digits must be 0..9", s)
		}
		return lt, nil
	}
	if len(args) > 0 {
		return nil, fmt.Errorf("type %q: %s takes no arguments", s, name)
	}
	if name == "decimal" {
		return nil, fmt.Errorf("type %q: write decimal(precision, scale)", s)
	}
	return lt, nil
}

// typeArgs splits "18, 4" or "6, tz" into integers and a tz flag.
func typeArgs(args []string) (ints []int32, tz bool, err error) {
	for _, a := range args {
		if a == "tz" {
			tz = true
			continue
		}
		n, err := strconv.ParseInt(a, 10, 32)
		if err != nil {
			return nil, false, fmt.Errorf("argument %q is not a number", a)
		}
		ints = append(ints, int32(n))
	}
	return ints, tz, nil
}

// TypeName renders a logical type as ParseType reads it: logical.Name,
// plus binary(n) for bounded binary and "unknown" for nil.
func TypeName(lt *connectorv1.LogicalType) string {
	if lt == nil {
		return "unknown"
	}
	if lt.GetKind() == connectorv1.TypeKind_TYPE_KIND_BINARY && lt.GetMaxLength() > 0 {
		return fmt.Sprintf("binary(%d)", lt.GetMaxLength())
	}
	return logical.Name(lt)
}

// sameType reports whether two types are equal, ignoring Native (which
// names a dialect, not a type) and the source details a sink may not keep
// (fixed length, jsonb, decimal text, text form, fraction digits): the
// sink's lossy notes report those, evolution does not act on them.
func sameType(a, b *connectorv1.LogicalType) bool {
	return proto.Equal(bare(a), bare(b))
}

// bare returns a copy of lt without Native and the source details
// sameType ignores, at any depth.
func bare(lt *connectorv1.LogicalType) *connectorv1.LogicalType {
	if lt == nil {
		return nil
	}
	c := proto.Clone(lt).(*connectorv1.LogicalType)
	clearNative(c)
	return c
}

func clearNative(lt *connectorv1.LogicalType) {
	if lt == nil {
		return
	}
	lt.Native = ""
	if lt.DecimalText {
		lt.Precision, lt.Scale = 0, 0
	}
	lt.FixedLength, lt.JsonBinary, lt.DecimalText, lt.TextForm, lt.FractionDigits = false, false, false, false, nil
	clearNative(lt.Element)
	clearNative(lt.Key)
	for _, f := range lt.Fields {
		clearNative(f.Type)
	}
}
