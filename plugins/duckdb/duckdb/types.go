package duckdb

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// Field metadata keys and values of proto/logical (the SDK re-exports
// neither, and plugins import only the SDK).
const (
	metaLogical = "dpone.logical"
	metaNative  = "dpone.native"
	logicalUUID = "uuid"
	logicalJSON = "json"

	metaMaxLength      = "dpone.max_length"
	metaFixedLength    = "dpone.fixed_length"
	metaJSONBinary     = "dpone.json_binary"
	metaDecimalText    = "dpone.decimal_text"
	metaTextForm       = "dpone.text_form"
	metaFractionDigits = "dpone.fraction_digits"
	metaPrimaryKey     = "dpone.primary_key"
)

// maxDecimal is DuckDB's largest DECIMAL precision; wider decimals are
// stored as VARCHAR text.
const maxDecimal = 38

// typeMapper renders Arrow types as DuckDB column types.
type typeMapper struct {
	// jsonType is the type of json columns: JSON, or VARCHAR without the
	// json extension.
	jsonType string
	// staging renders uuid and json as VARCHAR, the form the ingest path
	// writes; CommitLoad casts them into the target's types.
	staging bool
}

func logicalOf(md arrow.Metadata) string {
	if i := md.FindKey(metaLogical); i >= 0 {
		return md.Values()[i]
	}
	return ""
}

// columnType is the DuckDB type of an Arrow field.
func (m typeMapper) columnType(f arrow.Field) (string, error) {
	t, err := m.typeOf(f.Type, f.Metadata)
	if err != nil {
		return "", sdk.Errorf(sdk.CodeSchema, "column %q: %w", f.Name, err)
	}
	return t, nil
}

func (m typeMapper) typeOf(dt arrow.DataType, md arrow.Metadata) (string, error) {
	t, _, err := m.mapType(dt, md)
	return t, err
}

// mapType is the sink's one type map: the DuckDB type of an Arrow type
// and, when that type cannot hold the values or their semantics exactly, a
// note naming the created type and what changes. TypeLoss reports the
// note, so plans list exactly what the DDL does. The note depends on what
// the source can produce (its field metadata: fraction digits, declared
// lengths), not on the Arrow type alone.
func (m typeMapper) mapType(dt arrow.DataType, md arrow.Metadata) (typ, loss string, err error) {
	get := func(k string) string { v, _ := md.GetValue(k); return v }
	digits := -1
	if v, err := strconv.Atoi(get(metaFractionDigits)); err == nil {
		digits = v
	}
	switch t := dt.(type) {
	case *arrow.BooleanType:
		return "BOOLEAN", "", nil
	case *arrow.Int8Type:
		return "TINYINT", "", nil
	case *arrow.Int16Type:
		return "SMALLINT", "", nil
	case *arrow.Int32Type:
		return "INTEGER", "", nil
	case *arrow.Int64Type:
		return "BIGINT", "", nil
	case *arrow.Uint8Type:
		return "UTINYINT", "", nil
	case *arrow.Uint16Type:
		return "USMALLINT", "", nil
	case *arrow.Uint32Type:
		return "UINTEGER", "", nil
	case *arrow.Uint64Type:
		return "UBIGINT", "", nil
	case *arrow.Float16Type, *arrow.Float32Type:
		return "FLOAT", "", nil
	case *arrow.Float64Type:
		return "DOUBLE", "", nil
	case arrow.DecimalType:
		if t.GetPrecision() > maxDecimal {
			return "VARCHAR", fmt.Sprintf("decimal(%d,%d) is wider than DuckDB's DECIMAL (%d digits): stored as exact text in VARCHAR", t.GetPrecision(), t.GetScale(), maxDecimal), nil
		}
		return fmt.Sprintf("DECIMAL(%d,%d)", t.GetPrecision(), t.GetScale()), "", nil
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
		return m.stringType(get)
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.BinaryViewType:
		return "BLOB", "", nil
	case *arrow.FixedSizeBinaryType:
		return "BLOB", fmt.Sprintf("binary(%d) stored as BLOB: the fixed length is not enforced", t.ByteWidth), nil
	case *arrow.Date32Type, *arrow.Date64Type:
		return "DATE", "", nil
	case *arrow.Time32Type:
		return "TIME", "", nil
	case *arrow.Time64Type:
		if t.Unit == arrow.Nanosecond && (digits < 0 || digits > 6) {
			return "TIME", "stored as TIME (microseconds): nanoseconds are truncated", nil
		}
		return "TIME", "", nil
	case *arrow.TimestampType:
		if t.TimeZone != "" {
			if t.Unit == arrow.Nanosecond && (digits < 0 || digits > 6) {
				return "TIMESTAMPTZ", "stored as TIMESTAMP WITH TIME ZONE (microseconds): nanoseconds are truncated", nil
			}
			return "TIMESTAMPTZ", "", nil
		}
		switch t.Unit {
		case arrow.Second:
			return "TIMESTAMP_S", "", nil
		case arrow.Millisecond:
			return "TIMESTAMP_MS", "", nil
		case arrow.Nanosecond:
			return "TIMESTAMP_NS", "", nil
		}
		return "TIMESTAMP", "", nil
	case *arrow.MonthDayNanoIntervalType:
		if digits < 0 || digits > 6 {
			return "INTERVAL", "stored as INTERVAL (microseconds): sub-microsecond parts are truncated", nil
		}
		return "INTERVAL", "", nil
	case *arrow.DurationType, *arrow.DayTimeIntervalType, *arrow.MonthIntervalType:
		return "INTERVAL", "", nil
	case *arrow.ListType:
		return m.listType(t.ElemField())
	case *arrow.LargeListType:
		return m.listType(t.ElemField())
	case *arrow.FixedSizeListType:
		e, l, err := m.listType(t.ElemField())
		if l == "" {
			l = fmt.Sprintf("fixed-size list(%d) stored as %s: the fixed length is not kept", t.Len(), e)
		}
		return e, l, err
	case *arrow.StructType:
		parts := make([]string, 0, t.NumFields())
		var losses []string
		for _, f := range t.Fields() {
			ft, l, err := m.mapType(f.Type, f.Metadata)
			if err != nil {
				return "", "", fmt.Errorf("field %q: %w", f.Name, err)
			}
			if l != "" {
				losses = append(losses, "field "+f.Name+": "+l)
			}
			parts = append(parts, quote(f.Name)+" "+ft)
		}
		return "STRUCT(" + strings.Join(parts, ", ") + ")", strings.Join(losses, "; "), nil
	case *arrow.MapType:
		k, kl, err := m.mapType(t.KeyType(), arrow.Metadata{})
		if err != nil {
			return "", "", err
		}
		v, vl, err := m.mapType(t.ItemType(), t.ItemField().Metadata)
		if err != nil {
			return "", "", err
		}
		return "MAP(" + k + ", " + v + ")", strings.Trim(kl+"; "+vl, "; "), nil
	case *arrow.NullType:
		return "VARCHAR", "", nil
	}
	return "", "", fmt.Errorf("arrow type %s has no DuckDB type", dt)
}

// listType is the DuckDB list of an element field.
func (m typeMapper) listType(elem arrow.Field) (typ, loss string, err error) {
	e, l, err := m.mapType(elem.Type, elem.Metadata)
	if l != "" {
		l = "list stored as " + e + "[]; element: " + l
	}
	return e + "[]", l, err
}

// stringType maps a utf8 field by what its metadata says it holds.
func (m typeMapper) stringType(get func(string) string) (typ, loss string, err error) {
	switch get(metaLogical) {
	case logicalUUID:
		if m.staging {
			return "VARCHAR", "", nil
		}
		return "UUID", "", nil
	case logicalJSON:
		if m.staging {
			return "VARCHAR", "", nil
		}
		if get(metaJSONBinary) == "true" {
			return m.jsonType, "jsonb stored as " + m.jsonType + ": values keep jsonb's normalized text, but DuckDB keeps and compares them as text (no key deduplication or ordering on later writes)", nil
		}
		if m.jsonType != "JSON" {
			return m.jsonType, "json stored as " + m.jsonType + " (the json extension is not loaded)", nil
		}
		return m.jsonType, "", nil
	}
	if v := get(metaDecimalText); v != "" {
		what := "unconstrained numeric"
		if v != "0,0" {
			what = "numeric(" + v + ")"
		}
		return "VARCHAR", what + " has no DuckDB DECIMAL (38 digits, fixed scale): stored as exact text in VARCHAR (compare and sum it only after a cast)", nil
	}
	if get(metaTextForm) == "true" {
		native := get(metaNative)
		if native == "" {
			native = "the source type"
		}
		return "VARCHAR", native + " has no dpone type: stored as VARCHAR (its text form); values are kept as text, the type's behaviour is not", nil
	}
	if n := get(metaMaxLength); n != "" && n != "0" {
		if get(metaFixedLength) == "true" {
			return "VARCHAR", "char(" + n + ") stored as VARCHAR: DuckDB has no fixed-length strings, so the padding blanks become part of the value (length('ab ') is 3) and the length is not enforced", nil
		}
		return "VARCHAR", "varchar(" + n + ") stored as VARCHAR: DuckDB does not enforce string lengths", nil
	}
	return "VARCHAR", "", nil
}

// columnDefs renders "name TYPE" for every field of s, with NOT NULL for
// non-nullable fields unless the mapper renders staging.
func (m typeMapper) columnDefs(s *arrow.Schema) ([]string, error) {
	defs := make([]string, 0, s.NumFields())
	for _, f := range s.Fields() {
		t, err := m.columnType(f)
		if err != nil {
			return nil, err
		}
		def := quote(f.Name) + " " + t
		if !f.Nullable && !m.staging {
			def += " NOT NULL"
		}
		defs = append(defs, def)
	}
	return defs, nil
}
