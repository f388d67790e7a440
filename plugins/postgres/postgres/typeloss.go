package postgres

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

var _ sdk.TypeLossReporter = (*Connector)(nil)

// maxVarchar is the largest length PostgreSQL accepts in varchar(n) and
// char(n).
const maxVarchar = 10485760

// TypeLoss names what the PostgreSQL type of f cannot hold exactly (plans
// show it), or "" when the mapping is lossless. It comes from sinkType, the
// map that renders the DDL, so a plan lists exactly what a run changes.
func (*Connector) TypeLoss(f arrow.Field) string {
	_, loss, err := sinkType(f)
	if err != nil {
		return err.Error()
	}
	return loss
}

// ddlType renders the PostgreSQL column type for an Arrow field (sink side).
func ddlType(f arrow.Field) (string, error) {
	t, _, err := sinkType(f)
	return t, err
}

// sinkType is the sink's one type map: the PostgreSQL type of an Arrow
// field and, when that type cannot hold the field's values or semantics
// exactly, a note naming the created type and what changes. The note
// depends on what the source can produce (dpone.fraction_digits, the
// declared length), never on the Arrow type alone.
func sinkType(f arrow.Field) (typ, loss string, err error) {
	md := f.Metadata
	get := func(k string) string { v, _ := md.GetValue(k); return v }
	digits := -1
	if v, err := strconv.Atoi(get(metaFractionDigits)); err == nil {
		digits = v
	}
	switch t := f.Type.(type) {
	case *arrow.BooleanType:
		return "boolean", "", nil
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Uint8Type:
		return "smallint", "", nil
	case *arrow.Int32Type, *arrow.Uint16Type:
		return "integer", "", nil
	case *arrow.Int64Type, *arrow.Uint32Type:
		return "bigint", "", nil
	case *arrow.Uint64Type:
		return "numeric(20,0)", "", nil
	case *arrow.Float32Type:
		return "real", "", nil
	case *arrow.Float64Type:
		return "double precision", "", nil
	case *arrow.Decimal128Type:
		return fmt.Sprintf("numeric(%d,%d)", t.Precision, t.Scale), "", nil
	case *arrow.StringType, *arrow.LargeStringType:
		return stringType(md, get)
	case *arrow.BinaryType, *arrow.LargeBinaryType:
		return "bytea", "", nil
	case *arrow.FixedSizeBinaryType:
		return "bytea", fmt.Sprintf("binary(%d) stored as bytea: the fixed length is not enforced", t.ByteWidth), nil
	case *arrow.Date32Type, *arrow.Date64Type:
		return "date", "", nil
	case *arrow.Time32Type:
		if t.Unit == arrow.Second {
			return "time(0)", "", nil
		}
		return "time(3)", "", nil
	case *arrow.Time64Type:
		if digits >= 0 && digits < 6 {
			return fmt.Sprintf("time(%d)", digits), "", nil
		}
		if t.Unit == arrow.Nanosecond && (digits < 0 || digits > 6) {
			return "time", "stored as time without time zone (microseconds): nanoseconds are truncated", nil
		}
		return "time", "", nil
	case *arrow.TimestampType:
		name := "timestamp"
		if t.TimeZone != "" {
			name = "timestamptz"
		}
		switch {
		case digits >= 0 && digits < 6:
			return fmt.Sprintf("%s(%d)", name, digits), "", nil
		case t.Unit == arrow.Second:
			return name + "(0)", "", nil
		case t.Unit == arrow.Millisecond:
			return name + "(3)", "", nil
		case t.Unit == arrow.Nanosecond && (digits < 0 || digits > 6):
			full := "timestamp without time zone"
			if t.TimeZone != "" {
				full = "timestamp with time zone"
			}
			return name, "stored as " + full + " (microseconds): nanoseconds are truncated", nil
		}
		return name, "", nil
	case *arrow.MonthDayNanoIntervalType:
		if digits >= 0 && digits <= 6 {
			return "interval", "", nil
		}
		return "interval", "stored as interval (microseconds): sub-microsecond parts are truncated", nil
	case *arrow.DurationType:
		if t.Unit == arrow.Nanosecond {
			return "interval", "stored as interval (microseconds): sub-microsecond parts are truncated", nil
		}
		return "interval", "", nil
	case *arrow.ListType:
		if _, nested := t.Elem().(*arrow.ListType); nested {
			return "", "", sdk.Errorf(sdk.CodeSchema, "column %q: nested lists are not supported by postgres", f.Name)
		}
		elem, l, err := sinkType(t.ElemField())
		if err != nil {
			return "", "", err
		}
		if l != "" {
			l = "array stored as " + elem + "[]; element: " + l
		}
		return elem + "[]", l, nil
	}
	return "", "", sdk.Errorf(sdk.CodeSchema, "column %q: arrow type %s has no postgres mapping", f.Name, f.Type)
}

// stringType maps a utf8 field by what its metadata says it holds.
func stringType(md arrow.Metadata, get func(string) string) (typ, loss string, err error) {
	switch get(metaLogical) {
	case logicalUUID:
		return "uuid", "", nil
	case logicalJSON:
		if get(metaJSONBinary) == "true" || get(metaNative) == "jsonb" || get(metaNative) == "JSONB" {
			return "jsonb", "", nil
		}
		return "json", "", nil
	}
	if v, ok := md.GetValue(metaDecimalText); ok {
		var p, s int
		if _, err := fmt.Sscanf(v, "%d,%d", &p, &s); err == nil && p >= 1 && p <= 1000 {
			return fmt.Sprintf("numeric(%d,%d)", p, s), "", nil
		}
		return "numeric", "", nil
	}
	if get(metaTextForm) == "true" {
		if t, ok := timetzType(get(metaNative)); ok {
			return t, "", nil
		}
		native := get(metaNative)
		if native == "" {
			native = "the source type"
		}
		return "text", native + " has no dpone type: stored as text (its text form); values are kept as text, the type's behaviour is not", nil
	}
	n, _ := strconv.Atoi(get(metaMaxLength))
	switch {
	case n > 0 && n <= maxVarchar && get(metaFixedLength) == "true":
		return fmt.Sprintf("char(%d)", n), "", nil
	case n > 0 && n <= maxVarchar:
		return fmt.Sprintf("varchar(%d)", n), "", nil
	case n > maxVarchar && get(metaFixedLength) == "true":
		return "text", fmt.Sprintf("char(%d) is longer than PostgreSQL's char allows: stored as text (trailing blanks become significant)", n), nil
	case n > maxVarchar:
		return "text", fmt.Sprintf("string(%d) is longer than PostgreSQL's varchar allows: stored as text (no length limit)", n), nil
	}
	return "text", "", nil
}

// timetzRE matches the names PostgreSQL and DuckDB give a time with time
// zone: time with time zone, time(p) with time zone, timetz, timetz(p).
var timetzRE = regexp.MustCompile(`^(?i)(?:time(?:\(([0-6])\))? with time zone|timetz(?:\(([0-6])\))?)$`)

// timetzType is the PostgreSQL type of a time with time zone read as text
// (sources have no logical type for it): the sink recreates it and encodes
// the text (encodeTimetz), so nothing is lost.
func timetzType(native string) (string, bool) {
	m := timetzRE.FindStringSubmatch(strings.TrimSpace(native))
	if m == nil {
		return "", false
	}
	if p := m[1] + m[2]; p != "" {
		return "timetz(" + p + ")", true
	}
	return "timetz", true
}
