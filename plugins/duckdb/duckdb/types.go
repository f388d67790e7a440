package duckdb

import (
	"fmt"
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
	switch t := dt.(type) {
	case *arrow.BooleanType:
		return "BOOLEAN", nil
	case *arrow.Int8Type:
		return "TINYINT", nil
	case *arrow.Int16Type:
		return "SMALLINT", nil
	case *arrow.Int32Type:
		return "INTEGER", nil
	case *arrow.Int64Type:
		return "BIGINT", nil
	case *arrow.Uint8Type:
		return "UTINYINT", nil
	case *arrow.Uint16Type:
		return "USMALLINT", nil
	case *arrow.Uint32Type:
		return "UINTEGER", nil
	case *arrow.Uint64Type:
		return "UBIGINT", nil
	case *arrow.Float16Type, *arrow.Float32Type:
		return "FLOAT", nil
	case *arrow.Float64Type:
		return "DOUBLE", nil
	case arrow.DecimalType:
		if t.GetPrecision() > maxDecimal {
			return "VARCHAR", nil
		}
		return fmt.Sprintf("DECIMAL(%d,%d)", t.GetPrecision(), t.GetScale()), nil
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
		switch logicalOf(md) {
		case logicalUUID:
			if !m.staging {
				return "UUID", nil
			}
		case logicalJSON:
			if !m.staging {
				return m.jsonType, nil
			}
		}
		return "VARCHAR", nil
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.BinaryViewType, *arrow.FixedSizeBinaryType:
		return "BLOB", nil
	case *arrow.Date32Type, *arrow.Date64Type:
		return "DATE", nil
	case *arrow.Time32Type, *arrow.Time64Type:
		return "TIME", nil
	case *arrow.TimestampType:
		if t.TimeZone != "" {
			return "TIMESTAMPTZ", nil
		}
		switch t.Unit {
		case arrow.Second:
			return "TIMESTAMP_S", nil
		case arrow.Millisecond:
			return "TIMESTAMP_MS", nil
		case arrow.Nanosecond:
			return "TIMESTAMP_NS", nil
		}
		return "TIMESTAMP", nil
	case *arrow.MonthDayNanoIntervalType, *arrow.DurationType, *arrow.DayTimeIntervalType, *arrow.MonthIntervalType:
		return "INTERVAL", nil
	case *arrow.ListType:
		e, err := m.typeOf(t.Elem(), t.ElemField().Metadata)
		return e + "[]", err
	case *arrow.LargeListType:
		e, err := m.typeOf(t.Elem(), t.ElemField().Metadata)
		return e + "[]", err
	case *arrow.FixedSizeListType:
		e, err := m.typeOf(t.Elem(), t.ElemField().Metadata)
		return e + "[]", err
	case *arrow.StructType:
		parts := make([]string, 0, t.NumFields())
		for _, f := range t.Fields() {
			ft, err := m.typeOf(f.Type, f.Metadata)
			if err != nil {
				return "", fmt.Errorf("field %q: %w", f.Name, err)
			}
			parts = append(parts, quote(f.Name)+" "+ft)
		}
		return "STRUCT(" + strings.Join(parts, ", ") + ")", nil
	case *arrow.MapType:
		k, err := m.typeOf(t.KeyType(), arrow.Metadata{})
		if err != nil {
			return "", err
		}
		v, err := m.typeOf(t.ItemType(), t.ItemField().Metadata)
		if err != nil {
			return "", err
		}
		return "MAP(" + k + ", " + v + ")", nil
	case *arrow.NullType:
		return "VARCHAR", nil
	}
	return "", fmt.Errorf("arrow type %s has no DuckDB type", dt)
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
