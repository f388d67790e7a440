package clickhouse

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// nestedArrow is the Arrow type the sink maps to the ClickHouse Array,
// Map or named Tuple type typ (ok false for any other type): what
// DescribeTarget reports for such a column, so a load from the same
// Arrow type finds the target unchanged. (The source reads these columns
// as text or json instead.)
func nestedArrow(typ string) (dt arrow.DataType, ok bool, err error) {
	inner := func(prefix string) (string, bool) {
		if !strings.HasPrefix(typ, prefix) || !strings.HasSuffix(typ, ")") {
			return "", false
		}
		return typ[len(prefix) : len(typ)-1], true
	}
	if in, ok := inner("Array("); ok {
		et, en, err := nestedField(in)
		if err != nil {
			return nil, false, err
		}
		return arrow.ListOfField(arrow.Field{Name: "item", Type: et, Nullable: en}), true, nil
	}
	if in, ok := inner("Map("); ok {
		args := splitArgs(in)
		if len(args) != 2 {
			return nil, false, fmt.Errorf("map type %s: want two arguments", typ)
		}
		kt, _, err := nestedField(args[0])
		if err != nil {
			return nil, false, err
		}
		vt, _, err := nestedField(args[1])
		if err != nil {
			return nil, false, err
		}
		return arrow.MapOf(kt, vt), true, nil
	}
	if in, ok := inner("Tuple("); ok {
		var fields []arrow.Field
		for _, a := range splitArgs(in) {
			name, ft, found := tupleElement(a)
			if !found {
				return nil, false, nil // an unnamed tuple: read as json
			}
			dt, n, err := nestedField(strings.TrimSpace(ft))
			if err != nil {
				return nil, false, err
			}
			fields = append(fields, arrow.Field{Name: name, Type: dt, Nullable: n})
		}
		return arrow.StructOf(fields...), true, nil
	}
	return nil, false, nil
}

// tupleElement splits "name Type" (the name maybe backquoted); found is
// false for an unnamed element ("Type").
func tupleElement(a string) (name, typ string, found bool) {
	a = strings.TrimSpace(a)
	if rest, ok := strings.CutPrefix(a, "`"); ok {
		end := strings.IndexByte(rest, '`')
		if end < 0 {
			return "", "", false
		}
		return rest[:end], strings.TrimSpace(rest[end+1:]), true
	}
	name, typ, found = strings.Cut(a, " ")
	if !found || strings.ContainsAny(name, "(,") {
		return "", "", false
	}
	return name, typ, true
}

// nestedField is the Arrow type and nullability of an element type.
func nestedField(typ string) (arrow.DataType, bool, error) {
	typ = strings.TrimSpace(typ)
	if dt, ok, err := nestedArrow(typ); ok || err != nil {
		return dt, false, err
	}
	st, err := parseNative(typ)
	if err != nil {
		return nil, false, err
	}
	return st.dt, st.nullable, nil
}

// splitArgs splits a type's argument list at its top-level commas.
func splitArgs(s string) []string {
	var out []string
	depth, start, quoted := 0, 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'' || c == '`':
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}
