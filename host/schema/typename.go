package schema

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector/v1convert"
)

// Default fractional digits of "time" and "timestamp" written without a
// precision.
const defaultTimePrecision = 6

// scalarKinds are the type names ParseType accepts without arguments.
var scalarKinds = map[string]catalog.Kind{
	"bool": catalog.KindBool, "boolean": catalog.KindBool,
	"int8": catalog.KindInt8, "int16": catalog.KindInt16,
	"int32": catalog.KindInt32, "int64": catalog.KindInt64,
	"uint8": catalog.KindUint8, "uint16": catalog.KindUint16,
	"uint32": catalog.KindUint32, "uint64": catalog.KindUint64,
	"float32": catalog.KindFloat32, "float64": catalog.KindFloat64,
	"string": catalog.KindString, "binary": catalog.KindBinary,
	"date": catalog.KindDate, "time": catalog.KindTime,
	"timestamp": catalog.KindTimestamp, "timestamptz": catalog.KindTimestamp,
	"interval": catalog.KindInterval, "uuid": catalog.KindUUID,
	"json": catalog.KindJSON, "decimal": catalog.KindDecimal,
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
func ParseType(s string) (*catalog.LogicalType, error) {
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
	lt := &catalog.LogicalType{Kind: kind}
	ints, tz, err := typeArgs(args)
	if err != nil {
		return nil, fmt.Errorf("type %q: %w", s, err)
	}
	switch kind {
	case catalog.KindDecimal:
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
	case catalog.KindString, catalog.KindBinary:
		if len(ints) > 1 || tz {
			return nil, fmt.Errorf("type %q: write %s or %s(max_length)", s, name, name)
		}
		if len(ints) == 1 {
			lt.MaxLength = int64(ints[0])
		}
		return lt, nil
	case catalog.KindTime, catalog.KindTimestamp:
		lt.Precision = defaultTimePrecision
		lt.WithTimeZone = name == "timestamptz" || tz
		if tz && kind == catalog.KindTime || len(ints) > 1 {
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
func TypeName(lt *catalog.LogicalType) string {
	if lt == nil {
		return "unknown"
	}
	if lt.GetKind() == catalog.KindBinary && lt.GetMaxLength() > 0 {
		return fmt.Sprintf("binary(%d)", lt.GetMaxLength())
	}
	return v1convert.TypeName(lt)
}

// sameType reports whether two types are equal, ignoring Native (which
// names a dialect, not a type) and the source details a sink may not keep
// (fixed length, jsonb, decimal text, text form, fraction digits): the
// sink's lossy notes report those, evolution does not act on them.
func sameType(a, b *catalog.LogicalType) bool {
	return bare(a).Equal(bare(b))
}

// bare returns a copy of lt without Native and the source details
// sameType ignores, at any depth.
func bare(lt *catalog.LogicalType) *catalog.LogicalType {
	if lt == nil {
		return nil
	}
	c := lt.Clone()
	clearNative(c)
	return c
}

func clearNative(lt *catalog.LogicalType) {
	if lt == nil {
		return
	}
	lt.Native = ""
	if lt.DecimalText {
		lt.Precision, lt.Scale = 0, 0
	}
	lt.FixedLength, lt.JSONBinary, lt.DecimalText, lt.TextForm, lt.FractionDigits = false, false, false, false, nil
	clearNative(lt.Element)
	clearNative(lt.Key)
	for _, f := range lt.Fields {
		clearNative(f.Type)
	}
}
