// Package logical converts between Arrow schemas and dpone's logical type
// model (connectorv1.LogicalType). Both the host and the SDK use it, so the
// mapping lives in one place, next to the protocol it serves.
//
// Arrow carries the data; the logical model carries what Arrow cannot say on
// its own, through field metadata:
//
//	dpone.logical = uuid | json   (on a utf8 field)
//	dpone.native  = the source's own type name, e.g. numeric(18,4)
//	dpone.max_length = declared length of a string/binary column
//	dpone.fixed_length = true: blank-padded to max_length (SQL char(n))
//	dpone.json_binary = true: json stored parsed (PostgreSQL jsonb)
//	dpone.decimal_text = p,s: exact decimal text of numeric(p,s) ("0,0":
//	                     unconstrained) that Arrow decimals cannot hold
//	dpone.text_form = true: the text form of a type with no logical type
//	dpone.fraction_digits = fractional second digits a time, timestamp or
//	                     interval type holds when fewer than its Arrow unit
//	dpone.primary_key = 1-based position in the source's primary key
package logical

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"google.golang.org/protobuf/proto"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// Field metadata keys understood by FromArrow and written by ToArrow.
const (
	MetaLogical   = "dpone.logical"
	MetaNative    = "dpone.native"
	MetaMaxLength = "dpone.max_length"
	// MetaFixedLength ("true") marks a blank-padded fixed-length string.
	MetaFixedLength = "dpone.fixed_length"
	// MetaJSONBinary ("true") marks json stored parsed (jsonb).
	MetaJSONBinary = "dpone.json_binary"
	// MetaDecimalText ("p,s", "0,0" when unconstrained) marks a utf8 field
	// holding exact decimal text.
	MetaDecimalText = "dpone.decimal_text"
	// MetaTextForm ("true") marks a utf8 field holding the text form of a
	// source type with no logical type; MetaNative names it.
	MetaTextForm = "dpone.text_form"
	// MetaFractionDigits is the fractional second digits of a time,
	// timestamp or interval type.
	MetaFractionDigits = "dpone.fraction_digits"
	// MetaPrimaryKey is a field's 1-based position in the source's primary
	// key.
	MetaPrimaryKey = "dpone.primary_key"
)

// Values of MetaLogical.
const (
	LogicalUUID = "uuid"
	LogicalJSON = "json"
)

// FromArrow converts an Arrow schema to protocol fields.
func FromArrow(s *arrow.Schema) ([]*connectorv1.Field, error) {
	out := make([]*connectorv1.Field, 0, s.NumFields())
	for _, f := range s.Fields() {
		pf, err := FieldFromArrow(f)
		if err != nil {
			return nil, err
		}
		out = append(out, pf)
	}
	return out, nil
}

// FieldFromArrow converts one Arrow field.
func FieldFromArrow(f arrow.Field) (*connectorv1.Field, error) {
	t, err := typeFromArrow(f.Type, f.Metadata)
	if err != nil {
		return nil, fmt.Errorf("column %q: %w", f.Name, err)
	}
	pf := &connectorv1.Field{Name: f.Name, Type: t, Nullable: f.Nullable}
	if v, ok := f.Metadata.GetValue(MetaPrimaryKey); ok {
		n, _ := strconv.ParseInt(v, 10, 32)
		pf.PrimaryKeyPosition = int32(max(n, 0))
	}
	return pf, nil
}

// flag reports whether md sets key to "true".
func flag(md arrow.Metadata, key string) bool {
	v, ok := md.GetValue(key)
	return ok && v == "true"
}

func typeFromArrow(dt arrow.DataType, md arrow.Metadata) (*connectorv1.LogicalType, error) {
	lt := &connectorv1.LogicalType{}
	if i := md.FindKey(MetaNative); i >= 0 {
		lt.Native = md.Values()[i]
	}
	if i := md.FindKey(MetaMaxLength); i >= 0 {
		n, _ := strconv.ParseInt(md.Values()[i], 10, 64)
		lt.MaxLength = n
	}
	if v, ok := md.GetValue(MetaFractionDigits); ok {
		if n, err := strconv.ParseInt(v, 10, 32); err == nil && n >= 0 && n <= 9 {
			lt.FractionDigits = proto.Int32(int32(n))
		}
	}
	switch t := dt.(type) {
	case *arrow.BooleanType:
		lt.Kind = connectorv1.TypeKind_TYPE_KIND_BOOL
	case *arrow.Int8Type:
		lt.Kind = connectorv1.TypeKind_TYPE_KIND_INT8
	case *arrow.Int16Type:
		lt.Kind = connectorv1.TypeKind_TYPE_KIND_INT16
	case *arrow.Int32Type:
		lt.Kind = connectorv1.TypeKind_TYPE_KIND_INT32
	case *arrow.Int64Type:
		lt.Kind = connectorv1.TypeKind_TYPE_KIND_INT64
	case *arrow.Uint8Type:
		lt.Kind = connectorv1.TypeKind_TYPE_KIND_UINT8
	case *arrow.Uint16Type:
		lt.Kind = connectorv1.TypeKind_TYPE_KIND_UINT16
	case *arrow.Uint32Type:
		lt.Kind = connectorv1.TypeKind_TYPE_KIND_UINT32
	case *arrow.Uint64Type:
		lt.Kind = connectorv1.TypeKind_TYPE_KIND_UINT64
	case *arrow.Float16Type, *arrow.Float32Type:
		lt.Kind = connectorv1.TypeKind_TYPE_KIND_FLOAT32
	case *arrow.Float64Type:
		lt.Kind = connectorv1.TypeKind_TYPE_KIND_FLOAT64
	case arrow.DecimalType:
		lt.Kind = connectorv1.TypeKind_TYPE_KIND_DECIMAL
		lt.Precision, lt.Scale = t.GetPrecision(), t.GetScale()
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
		lt.Kind = connectorv1.TypeKind_TYPE_KIND_STRING
		if i := md.FindKey(MetaLogical); i >= 0 {
			switch md.Values()[i] {
			case LogicalUUID:
				lt.Kind = connectorv1.TypeKind_TYPE_KIND_UUID
			case LogicalJSON:
				lt.Kind = connectorv1.TypeKind_TYPE_KIND_JSON
				lt.JsonBinary = flag(md, MetaJSONBinary)
			}
		}
		if lt.Kind == connectorv1.TypeKind_TYPE_KIND_STRING {
			lt.FixedLength = flag(md, MetaFixedLength) && lt.MaxLength > 0
			lt.TextForm = flag(md, MetaTextForm)
			if v, ok := md.GetValue(MetaDecimalText); ok {
				lt.DecimalText = true
				lt.Precision, lt.Scale = parseDecimalText(v)
			}
		}
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.BinaryViewType:
		lt.Kind = connectorv1.TypeKind_TYPE_KIND_BINARY
	case *arrow.FixedSizeBinaryType:
		lt.Kind = connectorv1.TypeKind_TYPE_KIND_BINARY
		lt.MaxLength = int64(t.ByteWidth)
		if i := md.FindKey(MetaLogical); i >= 0 && md.Values()[i] == LogicalUUID && t.ByteWidth == 16 {
			lt.Kind = connectorv1.TypeKind_TYPE_KIND_UUID
		}
	case *arrow.Date32Type, *arrow.Date64Type:
		lt.Kind = connectorv1.TypeKind_TYPE_KIND_DATE
	case *arrow.Time32Type:
		lt.Kind = connectorv1.TypeKind_TYPE_KIND_TIME
		lt.Precision = unitDigits(t.Unit)
	case *arrow.Time64Type:
		lt.Kind = connectorv1.TypeKind_TYPE_KIND_TIME
		lt.Precision = unitDigits(t.Unit)
	case *arrow.TimestampType:
		lt.Kind = connectorv1.TypeKind_TYPE_KIND_TIMESTAMP
		lt.Precision = unitDigits(t.Unit)
		lt.WithTimeZone = t.TimeZone != ""
	case *arrow.MonthDayNanoIntervalType, *arrow.DurationType, *arrow.DayTimeIntervalType, *arrow.MonthIntervalType:
		lt.Kind = connectorv1.TypeKind_TYPE_KIND_INTERVAL
	case *arrow.ListType:
		elem, err := typeFromArrow(t.Elem(), t.ElemField().Metadata)
		if err != nil {
			return nil, err
		}
		lt.Kind, lt.Element = connectorv1.TypeKind_TYPE_KIND_LIST, elem
	case *arrow.LargeListType:
		elem, err := typeFromArrow(t.Elem(), t.ElemField().Metadata)
		if err != nil {
			return nil, err
		}
		lt.Kind, lt.Element = connectorv1.TypeKind_TYPE_KIND_LIST, elem
	case *arrow.StructType:
		lt.Kind = connectorv1.TypeKind_TYPE_KIND_STRUCT
		for _, f := range t.Fields() {
			pf, err := FieldFromArrow(f)
			if err != nil {
				return nil, err
			}
			lt.Fields = append(lt.Fields, pf)
		}
	case *arrow.MapType:
		k, err := typeFromArrow(t.KeyType(), arrow.Metadata{})
		if err != nil {
			return nil, err
		}
		v, err := typeFromArrow(t.ItemType(), t.ItemField().Metadata)
		if err != nil {
			return nil, err
		}
		lt.Kind, lt.Key, lt.Element = connectorv1.TypeKind_TYPE_KIND_MAP, k, v
	case *arrow.NullType:
		// A column with no typed values yet (e.g. all-NULL sample): string.
		lt.Kind = connectorv1.TypeKind_TYPE_KIND_STRING
	default:
		return nil, fmt.Errorf("arrow type %s has no dpone logical type", dt)
	}
	return lt, nil
}

// parseDecimalText reads "p,s"; anything else is unconstrained (0, 0).
func parseDecimalText(v string) (p, s int32) {
	ps, ss, ok := strings.Cut(v, ",")
	if !ok {
		return 0, 0
	}
	pn, err1 := strconv.ParseInt(ps, 10, 32)
	sn, err2 := strconv.ParseInt(ss, 10, 32)
	if err1 != nil || err2 != nil || pn <= 0 {
		return 0, 0
	}
	return int32(pn), int32(sn)
}

func unitDigits(u arrow.TimeUnit) int32 {
	switch u {
	case arrow.Second:
		return 0
	case arrow.Millisecond:
		return 3
	case arrow.Microsecond:
		return 6
	default:
		return 9
	}
}

func digitsUnit(p int32) arrow.TimeUnit {
	switch {
	case p <= 0:
		return arrow.Second
	case p <= 3:
		return arrow.Millisecond
	case p <= 6:
		return arrow.Microsecond
	default:
		return arrow.Nanosecond
	}
}

// ToArrow converts protocol fields to an Arrow schema.
func ToArrow(fields []*connectorv1.Field) (*arrow.Schema, error) {
	out := make([]arrow.Field, 0, len(fields))
	for _, f := range fields {
		af, err := FieldToArrow(f)
		if err != nil {
			return nil, err
		}
		out = append(out, af)
	}
	return arrow.NewSchema(out, nil), nil
}

// FieldToArrow converts one protocol field.
func FieldToArrow(f *connectorv1.Field) (arrow.Field, error) {
	dt, md, err := TypeToArrow(f.GetType())
	if err != nil {
		return arrow.Field{}, fmt.Errorf("column %q: %w", f.GetName(), err)
	}
	if pos := f.GetPrimaryKeyPosition(); pos > 0 {
		keys, vals := append(md.Keys(), MetaPrimaryKey), append(md.Values(), strconv.Itoa(int(pos)))
		md = arrow.NewMetadata(keys, vals)
	}
	return arrow.Field{Name: f.GetName(), Type: dt, Nullable: f.GetNullable(), Metadata: md}, nil
}

// TypeToArrow returns the Arrow type for a logical type and the field
// metadata that keeps what Arrow cannot express.
func TypeToArrow(lt *connectorv1.LogicalType) (arrow.DataType, arrow.Metadata, error) {
	kv := map[string]string{}
	if lt.GetNative() != "" {
		kv[MetaNative] = lt.GetNative()
	}
	if lt.GetMaxLength() > 0 {
		kv[MetaMaxLength] = strconv.FormatInt(lt.GetMaxLength(), 10)
	}
	if lt.FractionDigits != nil {
		kv[MetaFractionDigits] = strconv.Itoa(int(lt.GetFractionDigits()))
	}
	var dt arrow.DataType
	switch lt.GetKind() {
	case connectorv1.TypeKind_TYPE_KIND_BOOL:
		dt = arrow.FixedWidthTypes.Boolean
	case connectorv1.TypeKind_TYPE_KIND_INT8:
		dt = arrow.PrimitiveTypes.Int8
	case connectorv1.TypeKind_TYPE_KIND_INT16:
		dt = arrow.PrimitiveTypes.Int16
	case connectorv1.TypeKind_TYPE_KIND_INT32:
		dt = arrow.PrimitiveTypes.Int32
	case connectorv1.TypeKind_TYPE_KIND_INT64:
		dt = arrow.PrimitiveTypes.Int64
	case connectorv1.TypeKind_TYPE_KIND_UINT8:
		dt = arrow.PrimitiveTypes.Uint8
	case connectorv1.TypeKind_TYPE_KIND_UINT16:
		dt = arrow.PrimitiveTypes.Uint16
	case connectorv1.TypeKind_TYPE_KIND_UINT32:
		dt = arrow.PrimitiveTypes.Uint32
	case connectorv1.TypeKind_TYPE_KIND_UINT64:
		dt = arrow.PrimitiveTypes.Uint64
	case connectorv1.TypeKind_TYPE_KIND_FLOAT32:
		dt = arrow.PrimitiveTypes.Float32
	case connectorv1.TypeKind_TYPE_KIND_FLOAT64:
		dt = arrow.PrimitiveTypes.Float64
	case connectorv1.TypeKind_TYPE_KIND_DECIMAL:
		p, s := lt.GetPrecision(), lt.GetScale()
		if p <= 38 {
			dt = &arrow.Decimal128Type{Precision: p, Scale: s}
		} else {
			dt = &arrow.Decimal256Type{Precision: p, Scale: s}
		}
	case connectorv1.TypeKind_TYPE_KIND_STRING:
		dt = arrow.BinaryTypes.String
		if lt.GetFixedLength() && lt.GetMaxLength() > 0 {
			kv[MetaFixedLength] = "true"
		}
		if lt.GetTextForm() {
			kv[MetaTextForm] = "true"
		}
		if lt.GetDecimalText() {
			kv[MetaDecimalText] = fmt.Sprintf("%d,%d", lt.GetPrecision(), lt.GetScale())
		}
	case connectorv1.TypeKind_TYPE_KIND_UUID:
		dt = arrow.BinaryTypes.String
		kv[MetaLogical] = LogicalUUID
	case connectorv1.TypeKind_TYPE_KIND_JSON:
		dt = arrow.BinaryTypes.String
		kv[MetaLogical] = LogicalJSON
		if lt.GetJsonBinary() {
			kv[MetaJSONBinary] = "true"
		}
	case connectorv1.TypeKind_TYPE_KIND_BINARY:
		dt = arrow.BinaryTypes.Binary
	case connectorv1.TypeKind_TYPE_KIND_DATE:
		dt = arrow.FixedWidthTypes.Date32
	case connectorv1.TypeKind_TYPE_KIND_TIME:
		u := digitsUnit(lt.GetPrecision())
		if u == arrow.Second || u == arrow.Millisecond {
			dt = &arrow.Time32Type{Unit: u}
		} else {
			dt = &arrow.Time64Type{Unit: u}
		}
	case connectorv1.TypeKind_TYPE_KIND_TIMESTAMP:
		tz := ""
		if lt.GetWithTimeZone() {
			tz = "UTC"
		}
		dt = &arrow.TimestampType{Unit: digitsUnit(lt.GetPrecision()), TimeZone: tz}
	case connectorv1.TypeKind_TYPE_KIND_INTERVAL:
		dt = arrow.FixedWidthTypes.MonthDayNanoInterval
	case connectorv1.TypeKind_TYPE_KIND_LIST:
		edt, emd, err := TypeToArrow(lt.GetElement())
		if err != nil {
			return nil, arrow.Metadata{}, err
		}
		dt = arrow.ListOfField(arrow.Field{Name: "item", Type: edt, Nullable: true, Metadata: emd})
	case connectorv1.TypeKind_TYPE_KIND_STRUCT:
		fs := make([]arrow.Field, 0, len(lt.GetFields()))
		for _, f := range lt.GetFields() {
			af, err := FieldToArrow(f)
			if err != nil {
				return nil, arrow.Metadata{}, err
			}
			fs = append(fs, af)
		}
		dt = arrow.StructOf(fs...)
	case connectorv1.TypeKind_TYPE_KIND_MAP:
		kdt, _, err := TypeToArrow(lt.GetKey())
		if err != nil {
			return nil, arrow.Metadata{}, err
		}
		vdt, _, err := TypeToArrow(lt.GetElement())
		if err != nil {
			return nil, arrow.Metadata{}, err
		}
		dt = arrow.MapOf(kdt, vdt)
	default:
		return nil, arrow.Metadata{}, fmt.Errorf("unknown logical type kind %v", lt.GetKind())
	}
	if len(kv) == 0 {
		return dt, arrow.Metadata{}, nil
	}
	return dt, arrow.MetadataFrom(kv), nil
}

// Name renders a logical type the way plans and errors show it:
// int64, decimal(18,4), timestamp(6, tz), list<string>.
func Name(lt *connectorv1.LogicalType) string {
	switch lt.GetKind() {
	case connectorv1.TypeKind_TYPE_KIND_DECIMAL:
		return fmt.Sprintf("decimal(%d,%d)", lt.GetPrecision(), lt.GetScale())
	case connectorv1.TypeKind_TYPE_KIND_TIMESTAMP:
		if lt.GetWithTimeZone() {
			return fmt.Sprintf("timestamp(%d, tz)", lt.GetPrecision())
		}
		return fmt.Sprintf("timestamp(%d)", lt.GetPrecision())
	case connectorv1.TypeKind_TYPE_KIND_TIME:
		return fmt.Sprintf("time(%d)", lt.GetPrecision())
	case connectorv1.TypeKind_TYPE_KIND_STRING:
		if lt.GetMaxLength() > 0 {
			return fmt.Sprintf("string(%d)", lt.GetMaxLength())
		}
		return "string"
	case connectorv1.TypeKind_TYPE_KIND_LIST:
		return "list<" + Name(lt.GetElement()) + ">"
	case connectorv1.TypeKind_TYPE_KIND_MAP:
		return "map<" + Name(lt.GetKey()) + "," + Name(lt.GetElement()) + ">"
	case connectorv1.TypeKind_TYPE_KIND_STRUCT:
		s := "struct<"
		for i, f := range lt.GetFields() {
			if i > 0 {
				s += ","
			}
			s += f.GetName() + ":" + Name(f.GetType())
		}
		return s + ">"
	}
	return KindName(lt.GetKind())
}

// KindName is the short lowercase name of a kind (int64, uuid, ...).
func KindName(k connectorv1.TypeKind) string {
	name, ok := kindNames[k]
	if !ok {
		return "unknown"
	}
	return name
}

var kindNames = map[connectorv1.TypeKind]string{
	connectorv1.TypeKind_TYPE_KIND_BOOL: "bool", connectorv1.TypeKind_TYPE_KIND_INT8: "int8",
	connectorv1.TypeKind_TYPE_KIND_INT16: "int16", connectorv1.TypeKind_TYPE_KIND_INT32: "int32",
	connectorv1.TypeKind_TYPE_KIND_INT64: "int64", connectorv1.TypeKind_TYPE_KIND_UINT8: "uint8",
	connectorv1.TypeKind_TYPE_KIND_UINT16: "uint16", connectorv1.TypeKind_TYPE_KIND_UINT32: "uint32",
	connectorv1.TypeKind_TYPE_KIND_UINT64: "uint64", connectorv1.TypeKind_TYPE_KIND_FLOAT32: "float32",
	connectorv1.TypeKind_TYPE_KIND_FLOAT64: "float64", connectorv1.TypeKind_TYPE_KIND_DECIMAL: "decimal",
	connectorv1.TypeKind_TYPE_KIND_STRING: "string", connectorv1.TypeKind_TYPE_KIND_BINARY: "binary",
	connectorv1.TypeKind_TYPE_KIND_DATE: "date", connectorv1.TypeKind_TYPE_KIND_TIME: "time",
	connectorv1.TypeKind_TYPE_KIND_TIMESTAMP: "timestamp", connectorv1.TypeKind_TYPE_KIND_INTERVAL: "interval",
	connectorv1.TypeKind_TYPE_KIND_UUID: "uuid", connectorv1.TypeKind_TYPE_KIND_JSON: "json",
	connectorv1.TypeKind_TYPE_KIND_LIST: "list", connectorv1.TypeKind_TYPE_KIND_STRUCT: "struct",
	connectorv1.TypeKind_TYPE_KIND_MAP: "map",
}
