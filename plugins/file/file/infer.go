package file

import (
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// kind is what inference learned about a column from the values it saw.
type kind uint8

// Inferred kinds, from most to least specific.
const (
	kindNull kind = iota // no non-null value seen yet
	kindBool
	kindInt
	kindFloat
	kindDate
	kindTimestamp   // date and time without a zone
	kindTimestampTZ // date and time with Z or an offset
	kindString
	kindJSON // JSON object or array (JSONL only)
)

// classifyText infers the kind of one CSV value (never NULL: the caller
// handles null_values). fracDigits is the number of fractional-second
// digits of a timestamp.
func classifyText(s string) (k kind, fracDigits int) {
	if s == "" {
		return kindString, 0
	}
	switch c := s[0]; {
	case c == 't' || c == 'T' || c == 'f' || c == 'F':
		if strings.EqualFold(s, "true") || strings.EqualFold(s, "false") {
			return kindBool, 0
		}
		return kindString, 0
	case c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.':
		if isInt(s) {
			return kindInt, 0
		}
		if isFloat(s) {
			return kindFloat, 0
		}
		return classifyTemporal(s)
	}
	return kindString, 0
}

// classifyTemporal recognises dates and timestamps, else string.
func classifyTemporal(s string) (kind, int) {
	if len(s) == 10 {
		if _, ok := parseDate(s); ok {
			return kindDate, 0
		}
	}
	if c, ok := parseTimestamp(s); ok {
		if c.zoned {
			return kindTimestampTZ, c.fracDigits
		}
		return kindTimestamp, c.fracDigits
	}
	return kindString, 0
}

// mergeKinds is the narrowest kind that holds values of both a and b.
func mergeKinds(a, b kind) kind {
	switch {
	case a == b:
		return a
	case a == kindNull:
		return b
	case b == kindNull:
		return a
	case a == kindJSON || b == kindJSON:
		return kindJSON
	}
	if a > b {
		a, b = b, a
	}
	switch {
	case a == kindInt && b == kindFloat:
		return kindFloat
	case a == kindDate && (b == kindTimestamp || b == kindTimestampTZ):
		return b
	}
	return kindString
}

// inference accumulates the columns of a sample in order of appearance.
type inference struct {
	names []string
	index map[string]int
	kinds []kind
	frac  []int
	rows  int
	bytes int64
}

func newInference() *inference { return &inference{index: map[string]int{}} }

// column returns the index of name, adding it when new.
func (in *inference) column(name string) int {
	if i, ok := in.index[name]; ok {
		return i
	}
	in.index[name] = len(in.names)
	in.names = append(in.names, name)
	in.kinds = append(in.kinds, kindNull)
	in.frac = append(in.frac, 0)
	return len(in.names) - 1
}

// observe records one value of column i.
func (in *inference) observe(i int, k kind, frac int) {
	in.kinds[i] = mergeKinds(in.kinds[i], k)
	in.frac[i] = max(in.frac[i], frac)
}

// colType is the type a column of this kind gets.
func (k kind) colType(frac int) colType {
	unit := arrow.Microsecond
	if frac > 6 {
		unit = arrow.Nanosecond
	}
	switch k {
	case kindBool:
		return colType{dt: arrow.FixedWidthTypes.Boolean}
	case kindInt:
		return colType{dt: arrow.PrimitiveTypes.Int64}
	case kindFloat:
		return colType{dt: arrow.PrimitiveTypes.Float64}
	case kindDate:
		return colType{dt: arrow.FixedWidthTypes.Date32}
	case kindTimestamp:
		return colType{dt: &arrow.TimestampType{Unit: unit}}
	case kindTimestampTZ:
		return colType{dt: &arrow.TimestampType{Unit: unit, TimeZone: "UTC"}}
	case kindJSON:
		return colType{dt: arrow.BinaryTypes.String, logical: "json"}
	}
	return colType{dt: arrow.BinaryTypes.String}
}

// column is one column of a stream: its name and type.
type column struct {
	name string
	typ  colType
}

// columns turns the inference into typed columns, applying overrides.
// Overrides for columns the sample did not see are appended when
// allowNew (JSONL: keys may be absent from the sample) and refused
// otherwise (CSV: the header names every column).
func (in *inference) columns(overrides map[string]string, allowNew bool) ([]column, error) {
	cols := make([]column, len(in.names))
	for i, n := range in.names {
		cols[i] = column{name: n, typ: in.kinds[i].colType(in.frac[i])}
	}
	var extra []string
	for name := range overrides {
		if _, ok := in.index[name]; !ok {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 && !allowNew {
		return nil, sdk.Errorf(sdk.CodeConfig, "source options: columns names %s, not in the file header (columns: %s)",
			quoteAll(slices.Sorted(slices.Values(extra))), strings.Join(in.names, ", "))
	}
	for _, name := range slices.Sorted(slices.Values(extra)) {
		in.column(name)
		cols = append(cols, column{name: name})
	}
	for i := range cols {
		if o, ok := overrides[cols[i].name]; ok {
			t, err := parseTypeName(o)
			if err != nil {
				return nil, sdk.Errorf(sdk.CodeConfig, "source options: columns.%s: %w", cols[i].name, err)
			}
			cols[i].typ = t
		}
	}
	return cols, nil
}

// project keeps the requested columns, in the requested order; nil keeps all.
func project(cols []column, want []string) ([]column, error) {
	if len(want) == 0 {
		return cols, nil
	}
	by := make(map[string]column, len(cols))
	names := make([]string, len(cols))
	for i, c := range cols {
		by[c.name] = c
		names[i] = c.name
	}
	out := make([]column, 0, len(want))
	for _, w := range want {
		c, ok := by[w]
		if !ok {
			return nil, sdk.Errorf(sdk.CodeNotFound, "column %q not found (columns: %s)", w, strings.Join(names, ", "))
		}
		out = append(out, c)
	}
	return out, nil
}

// arrowSchema is the Arrow schema of cols.
func arrowSchema(cols []column) *arrow.Schema {
	fs := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fs[i] = c.typ.field(c.name, "")
	}
	return arrow.NewSchema(fs, nil)
}
