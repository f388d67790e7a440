package clickhouse

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// Field metadata keys and values of proto/logical (plugins import only
// the SDK, which re-exports the first three).
const (
	metaFractionDigits = "dpone.fraction_digits"
	metaPrimaryKey     = "dpone.primary_key"
	metaTextForm       = "dpone.text_form"
	metaDecimalText    = "dpone.decimal_text"
	metaFixedLength    = "dpone.fixed_length"
)

// maxDecimal is ClickHouse's largest Decimal precision (Decimal256).
const maxDecimal = 76

// chType is the sink's one type map: the ClickHouse type of an Arrow field
// (without Nullable) and, when that type cannot hold every value or its
// semantics exactly, a note saying what changes. The DDL and TypeLoss both
// come from it, so plans list exactly what the DDL does.
func chType(f arrow.Field) (typ, loss string, err error) {
	get := func(k string) string { v, _ := f.Metadata.GetValue(k); return v }
	switch t := f.Type.(type) {
	case *arrow.BooleanType:
		return "Bool", "", nil
	case *arrow.Int8Type:
		return "Int8", "", nil
	case *arrow.Int16Type:
		return "Int16", "", nil
	case *arrow.Int32Type:
		return "Int32", "", nil
	case *arrow.Int64Type:
		return "Int64", "", nil
	case *arrow.Uint8Type:
		return "UInt8", "", nil
	case *arrow.Uint16Type:
		return "UInt16", "", nil
	case *arrow.Uint32Type:
		return "UInt32", "", nil
	case *arrow.Uint64Type:
		return "UInt64", "", nil
	case *arrow.Float32Type:
		return "Float32", "", nil
	case *arrow.Float64Type:
		return "Float64", "", nil
	case arrow.DecimalType:
		p, s := t.GetPrecision(), t.GetScale()
		if p > maxDecimal || s < 0 {
			return "String", fmt.Sprintf("decimal(%d,%d) does not fit ClickHouse's Decimal (76 digits, scale >= 0): stored as exact text in String", p, s), nil
		}
		return fmt.Sprintf("Decimal(%d, %d)", p, s), "", nil
	case *arrow.StringType, *arrow.LargeStringType:
		switch get(sdk.MetaLogical) {
		case sdk.LogicalUUID:
			return "UUID", "", nil
		case sdk.LogicalJSON:
			return "String", "json stored as String: the exact text is kept (ClickHouse's JSON type would re-format numbers and keys)", nil
		}
		if v := get(metaDecimalText); v != "" {
			return "String", "numeric without a fixed scale has no ClickHouse Decimal: stored as exact text in String", nil
		}
		if n := get(sdk.MetaMaxLength); n != "" && n != "0" {
			return "String", "varchar(" + n + ") stored as String: ClickHouse does not enforce string lengths", nil
		}
		return "String", "", nil
	case *arrow.BinaryType, *arrow.LargeBinaryType:
		return "String", "binary stored as String (ClickHouse strings are bytes): reads back as a string", nil
	case *arrow.FixedSizeBinaryType:
		return fmt.Sprintf("FixedString(%d)", t.ByteWidth), "binary(n) stored as FixedString(n): reads back as a string", nil
	case *arrow.Date32Type, *arrow.Date64Type:
		return "Date32", "stored as Date32 (days, any date kept exactly); ClickHouse's date functions and text parsing assume 1900-01-01 to 2299-12-31", nil
	case *arrow.TimestampType:
		p := timestampPrecision(t.Unit)
		zone := ""
		if t.TimeZone != "" {
			zone = ", 'UTC'"
		}
		typ = fmt.Sprintf("DateTime64(%d%s)", p, zone)
		loss = "stored as DateTime64: instants before 1677-09-21 or after 2262-04-11 are refused (DATA error: the driver would wrap them); ClickHouse's functions assume 1900-01-01 to 2299-12-31"
		if t.TimeZone != "" && t.TimeZone != "UTC" && t.TimeZone != "+00:00" && t.TimeZone != "Z" {
			loss += "; the instant is kept, its zone " + t.TimeZone + " becomes UTC"
		}
		return typ, loss, nil
	case *arrow.ListType:
		elem := t.ElemField()
		et, el, err := chType(arrow.Field{Name: f.Name + ".element", Type: elem.Type, Nullable: elem.Nullable, Metadata: elem.Metadata})
		if err != nil {
			return "", "", err
		}
		if strings.HasPrefix(et, "Array(") {
			return "", "", sdk.Errorf(sdk.CodeSchema, "column %q: nested lists have no ClickHouse mapping in this connector version", f.Name)
		}
		if elem.Nullable {
			et = "Nullable(" + et + ")"
		}
		var notes []string
		if f.Nullable {
			notes = append(notes, "a NULL list is stored as an empty array (ClickHouse arrays cannot be Nullable)")
		}
		if el != "" {
			notes = append(notes, "element: "+el)
		}
		notes = append(notes, "read back as the array's text form")
		return "Array(" + et + ")", strings.Join(notes, "; "), nil
	case *arrow.MapType:
		return mapType(f, t)
	case *arrow.StructType:
		return tupleType(f, t)
	case *arrow.Time32Type, *arrow.Time64Type:
		return "String", "time of day stored as String (its text, HH:MM:SS.ffffff): ClickHouse's Time types are experimental", nil
	}
	return "", "", sdk.Errorf(sdk.CodeSchema, "column %q: arrow type %s has no ClickHouse mapping in this connector version (supported: bool, integers, floats, decimals, strings, uuid, json, binary, dates, timestamps, times, and lists, maps and structs of these)", f.Name, f.Type)
}

// timestampPrecision is DateTime64's precision for an Arrow unit.
func timestampPrecision(u arrow.TimeUnit) int {
	switch u {
	case arrow.Second:
		return 0
	case arrow.Millisecond:
		return 3
	case arrow.Microsecond:
		return 6
	}
	return 9
}

// columnType is the ClickHouse column type of f: chType, Nullable unless
// f is not nullable or notNull (sorting key columns are never Nullable),
// and LowCardinality when lowCard says so.
func columnType(f arrow.Field, notNull, lowCard bool) (string, error) {
	t, _, err := chType(f)
	if err != nil {
		return "", err
	}
	if f.Nullable && !notNull && !composite(t) {
		t = "Nullable(" + t + ")"
	}
	if lowCard {
		t = "LowCardinality(" + t + ")"
	}
	return t, nil
}

// TypeLoss reports what the ClickHouse type of field cannot hold exactly.
func (c *Connector) TypeLoss(field arrow.Field) string {
	_, loss, err := chType(field)
	if err != nil {
		return err.Error()
	}
	return loss
}
