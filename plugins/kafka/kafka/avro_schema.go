package kafka

import (
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/hamba/avro/v2"

	"github.com/dpone-go/dpone/sdk"
)

// Avro properties dpone adds to the schemas it registers, so a reader
// gets the Arrow type back: a string that holds JSON text, a timestamp
// without a time zone.
const (
	avroPropLogical = "dpone.logical"
	avroPropLocal   = "dpone.local"
)

var avroName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// avroRecordSchema is the Avro record schema of a load's values, parsed
// and as the JSON text to register (hamba's String() drops the dpone.*
// properties): one
// field per column, nullable columns as ["null", T] unions with a null
// default (so later schemas stay backward compatible when they add
// columns).
func avroRecordSchema(topic string, s *arrow.Schema) (avro.Schema, string, error) {
	name := unsafeAvro.ReplaceAllString(topic, "_")
	if !avroName.MatchString(name) {
		name = "t_" + name
	}
	fields := make([]map[string]any, 0, s.NumFields())
	for _, f := range s.Fields() {
		if !avroName.MatchString(f.Name) {
			return nil, "", sdk.Errorf(sdk.CodeSchema, "column %q is not a valid Avro field name ([A-Za-z_][A-Za-z0-9_]*): rename it (a transform or the source query), or use format json", f.Name)
		}
		t, err := avroType(f.Type, f.Metadata)
		if err != nil {
			return nil, "", sdk.Errorf(sdk.CodeSchema, "column %s: %w", f.Name, err)
		}
		field := map[string]any{"name": f.Name, "type": t}
		if f.Nullable {
			field["type"], field["default"] = []any{"null", t}, nil
		}
		fields = append(fields, field)
	}
	js, err := json.Marshal(map[string]any{"type": "record", "name": name, "namespace": "dpone", "fields": fields})
	if err != nil {
		return nil, "", fmt.Errorf("avro schema of %s: %w", topic, err)
	}
	sc, err := avro.ParseBytes(js)
	if err != nil {
		return nil, "", sdk.Errorf(sdk.CodeSchema, "avro schema of %s: %w", topic, err)
	}
	return sc, string(js), nil
}

var unsafeAvro = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// avroType is the Avro type of an Arrow type (as schema JSON). Types
// without an Avro counterpart (structs, maps, unions, decimal256...)
// travel as their JSON text in a string marked dpone.logical: json.
func avroType(t arrow.DataType, md arrow.Metadata) (any, error) {
	logical, _ := md.GetValue(sdk.MetaLogical)
	switch t := t.(type) {
	case *arrow.BooleanType:
		return "boolean", nil
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Uint8Type, *arrow.Uint16Type:
		return "int", nil
	case *arrow.Int64Type, *arrow.Uint32Type, *arrow.Uint64Type:
		return "long", nil
	case *arrow.Float32Type:
		return "float", nil
	case *arrow.Float64Type:
		return "double", nil
	case *arrow.StringType, *arrow.LargeStringType:
		switch logical {
		case sdk.LogicalJSON:
			return map[string]any{"type": "string", avroPropLogical: sdk.LogicalJSON}, nil
		case sdk.LogicalUUID:
			return map[string]any{"type": "string", "logicalType": "uuid"}, nil
		}
		return "string", nil
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.FixedSizeBinaryType:
		return "bytes", nil
	case *arrow.TimestampType:
		m := map[string]any{"type": "long", "logicalType": "timestamp-micros"}
		if t.TimeZone == "" {
			m[avroPropLocal] = true
		}
		return m, nil
	case *arrow.Date32Type, *arrow.Date64Type:
		return map[string]any{"type": "int", "logicalType": "date"}, nil
	case *arrow.Time32Type:
		return map[string]any{"type": "int", "logicalType": "time-millis"}, nil
	case *arrow.Time64Type:
		return map[string]any{"type": "long", "logicalType": "time-micros"}, nil
	case *arrow.Decimal128Type:
		return map[string]any{"type": "bytes", "logicalType": "decimal", "precision": t.Precision, "scale": t.Scale}, nil
	case *arrow.ListType:
		if _, nested := t.Elem().(arrow.NestedType); !nested {
			item, err := avroType(t.Elem(), t.ElemField().Metadata)
			if err != nil {
				return nil, err
			}
			return map[string]any{"type": "array", "items": []any{"null", item}}, nil
		}
	}
	return map[string]any{"type": "string", avroPropLogical: sdk.LogicalJSON}, nil
}

// avroFields are the Arrow columns of an Avro record schema (a topic's
// value schema from the registry). Nested records, maps, unions of
// several types and arrays of non-primitive items become json text.
func avroFields(s avro.Schema) ([]arrow.Field, error) {
	rec, ok := s.(*avro.RecordSchema)
	if !ok {
		return nil, sdk.Errorf(sdk.CodeSchema, "avro schema %s is a %s, not a record: use format bytes for such topics", schemaName(s), s.Type())
	}
	out := make([]arrow.Field, 0, len(rec.Fields()))
	for _, f := range rec.Fields() {
		af := arrowOfAvro(f.Type())
		af.Name = f.Name()
		out = append(out, af)
	}
	return out, nil
}

func schemaName(s avro.Schema) string {
	if n, ok := s.(avro.NamedSchema); ok {
		return n.FullName()
	}
	return string(s.Type())
}

// arrowOfAvro maps one Avro type to an Arrow field (without a name).
func arrowOfAvro(s avro.Schema) arrow.Field {
	jsonText := arrow.Field{Type: arrow.BinaryTypes.String, Nullable: true, Metadata: jsonMeta}
	switch s := s.(type) {
	case *avro.UnionSchema:
		if !s.Nullable() {
			return jsonText
		}
		for _, m := range s.Types() {
			if m.Type() != avro.Null {
				f := arrowOfAvro(m)
				f.Nullable = true
				return f
			}
		}
		return arrow.Field{Type: arrow.BinaryTypes.String, Nullable: true}
	case *avro.PrimitiveSchema:
		return arrowOfPrimitive(s)
	case *avro.EnumSchema:
		return arrow.Field{Type: arrow.BinaryTypes.String}
	case *avro.FixedSchema:
		if d, ok := s.Logical().(*avro.DecimalLogicalSchema); ok && d.Precision() <= 38 {
			return arrow.Field{Type: &arrow.Decimal128Type{Precision: int32(d.Precision()), Scale: int32(d.Scale())}}
		}
		return arrow.Field{Type: arrow.BinaryTypes.Binary}
	case *avro.ArraySchema:
		item := arrowOfAvro(s.Items())
		if _, nested := item.Type.(arrow.NestedType); nested || item.Metadata.Len() > 0 && isJSONField(item) {
			return jsonText
		}
		return arrow.Field{Type: arrow.ListOfField(arrow.Field{Name: "item", Type: item.Type, Nullable: true, Metadata: item.Metadata})}
	}
	jsonText.Nullable = false
	return jsonText
}

func isJSONField(f arrow.Field) bool {
	v, _ := f.Metadata.GetValue(sdk.MetaLogical)
	return v == sdk.LogicalJSON
}

func arrowOfPrimitive(s *avro.PrimitiveSchema) arrow.Field {
	if l := s.Logical(); l != nil {
		switch l.Type() {
		case avro.Date:
			return arrow.Field{Type: arrow.FixedWidthTypes.Date32}
		case avro.TimeMillis:
			return arrow.Field{Type: arrow.FixedWidthTypes.Time32ms}
		case avro.TimeMicros:
			return arrow.Field{Type: arrow.FixedWidthTypes.Time64us}
		case avro.TimestampMillis, avro.TimestampMicros:
			unit := arrow.Microsecond
			if l.Type() == avro.TimestampMillis {
				unit = arrow.Millisecond
			}
			tz := "UTC"
			if local, _ := s.Prop(avroPropLocal).(bool); local {
				tz = ""
			}
			return arrow.Field{Type: &arrow.TimestampType{Unit: unit, TimeZone: tz}}
		case avro.LocalTimestampMillis:
			return arrow.Field{Type: &arrow.TimestampType{Unit: arrow.Millisecond}}
		case avro.LocalTimestampMicros:
			return arrow.Field{Type: &arrow.TimestampType{Unit: arrow.Microsecond}}
		case avro.Decimal:
			if d, ok := l.(*avro.DecimalLogicalSchema); ok && d.Precision() <= 38 {
				return arrow.Field{Type: &arrow.Decimal128Type{Precision: int32(d.Precision()), Scale: int32(d.Scale())}}
			}
		case avro.UUID:
			return arrow.Field{Type: arrow.BinaryTypes.String, Metadata: arrow.NewMetadata([]string{sdk.MetaLogical}, []string{sdk.LogicalUUID})}
		}
	}
	switch s.Type() {
	case avro.Boolean:
		return arrow.Field{Type: arrow.FixedWidthTypes.Boolean}
	case avro.Int:
		return arrow.Field{Type: arrow.PrimitiveTypes.Int32}
	case avro.Long:
		return arrow.Field{Type: arrow.PrimitiveTypes.Int64}
	case avro.Float:
		return arrow.Field{Type: arrow.PrimitiveTypes.Float32}
	case avro.Double:
		return arrow.Field{Type: arrow.PrimitiveTypes.Float64}
	case avro.Bytes:
		return arrow.Field{Type: arrow.BinaryTypes.Binary}
	case avro.String:
		if v, _ := s.Prop(avroPropLogical).(string); v == sdk.LogicalJSON {
			return arrow.Field{Type: arrow.BinaryTypes.String, Metadata: jsonMeta}
		}
		return arrow.Field{Type: arrow.BinaryTypes.String}
	}
	return arrow.Field{Type: arrow.BinaryTypes.String, Nullable: true} // null
}
