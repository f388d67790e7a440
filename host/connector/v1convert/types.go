package v1convert

import (
	"github.com/dpone-go/dpone/host/catalog"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

var kinds = map[connectorv1.TypeKind]catalog.Kind{
	connectorv1.TypeKind_TYPE_KIND_UNSPECIFIED: catalog.KindUnspecified,
	connectorv1.TypeKind_TYPE_KIND_BOOL:        catalog.KindBool,
	connectorv1.TypeKind_TYPE_KIND_INT8:        catalog.KindInt8,
	connectorv1.TypeKind_TYPE_KIND_INT16:       catalog.KindInt16,
	connectorv1.TypeKind_TYPE_KIND_INT32:       catalog.KindInt32,
	connectorv1.TypeKind_TYPE_KIND_INT64:       catalog.KindInt64,
	connectorv1.TypeKind_TYPE_KIND_UINT8:       catalog.KindUint8,
	connectorv1.TypeKind_TYPE_KIND_UINT16:      catalog.KindUint16,
	connectorv1.TypeKind_TYPE_KIND_UINT32:      catalog.KindUint32,
	connectorv1.TypeKind_TYPE_KIND_UINT64:      catalog.KindUint64,
	connectorv1.TypeKind_TYPE_KIND_FLOAT32:     catalog.KindFloat32,
	connectorv1.TypeKind_TYPE_KIND_FLOAT64:     catalog.KindFloat64,
	connectorv1.TypeKind_TYPE_KIND_DECIMAL:     catalog.KindDecimal,
	connectorv1.TypeKind_TYPE_KIND_STRING:      catalog.KindString,
	connectorv1.TypeKind_TYPE_KIND_BINARY:      catalog.KindBinary,
	connectorv1.TypeKind_TYPE_KIND_DATE:        catalog.KindDate,
	connectorv1.TypeKind_TYPE_KIND_TIME:        catalog.KindTime,
	connectorv1.TypeKind_TYPE_KIND_TIMESTAMP:   catalog.KindTimestamp,
	connectorv1.TypeKind_TYPE_KIND_INTERVAL:    catalog.KindInterval,
	connectorv1.TypeKind_TYPE_KIND_UUID:        catalog.KindUUID,
	connectorv1.TypeKind_TYPE_KIND_JSON:        catalog.KindJSON,
	connectorv1.TypeKind_TYPE_KIND_LIST:        catalog.KindList,
	connectorv1.TypeKind_TYPE_KIND_STRUCT:      catalog.KindStruct,
	connectorv1.TypeKind_TYPE_KIND_MAP:         catalog.KindMap,
}

var wireKinds = invert(kinds)

func invert[K, V comparable](m map[K]V) map[V]K {
	out := make(map[V]K, len(m))
	for k, v := range m {
		out[v] = k
	}
	return out
}

// Type converts a v1 logical type; nil stays nil. A kind this host does not
// know reads as catalog.KindUnspecified.
func Type(t *connectorv1.LogicalType) *catalog.LogicalType {
	if t == nil {
		return nil
	}
	out := &catalog.LogicalType{
		Kind:         kinds[t.GetKind()],
		Precision:    t.GetPrecision(),
		Scale:        t.GetScale(),
		WithTimeZone: t.GetWithTimeZone(),
		MaxLength:    t.GetMaxLength(),
		Element:      Type(t.GetElement()),
		Key:          Type(t.GetKey()),
		Fields:       Fields(t.GetFields()),
		Native:       t.GetNative(),
		FixedLength:  t.GetFixedLength(),
		JSONBinary:   t.GetJsonBinary(),
		DecimalText:  t.GetDecimalText(),
		TextForm:     t.GetTextForm(),
	}
	if t.FractionDigits != nil {
		d := t.GetFractionDigits()
		out.FractionDigits = &d
	}
	return out
}

// WireType converts a logical type to v1; nil stays nil.
func WireType(t *catalog.LogicalType) *connectorv1.LogicalType {
	if t == nil {
		return nil
	}
	out := &connectorv1.LogicalType{
		Kind:         wireKinds[t.Kind],
		Precision:    t.Precision,
		Scale:        t.Scale,
		WithTimeZone: t.WithTimeZone,
		MaxLength:    t.MaxLength,
		Element:      WireType(t.Element),
		Key:          WireType(t.Key),
		Fields:       WireFields(t.Fields),
		Native:       t.Native,
		FixedLength:  t.FixedLength,
		JsonBinary:   t.JSONBinary,
		DecimalText:  t.DecimalText,
		TextForm:     t.TextForm,
	}
	if t.FractionDigits != nil {
		d := *t.FractionDigits
		out.FractionDigits = &d
	}
	return out
}

// Field converts a v1 field; nil stays nil.
func Field(f *connectorv1.Field) *catalog.Field {
	if f == nil {
		return nil
	}
	return &catalog.Field{Name: f.GetName(), Type: Type(f.GetType()), Nullable: f.GetNullable(),
		PrimaryKeyPosition: f.GetPrimaryKeyPosition()}
}

// WireField converts a field to v1; nil stays nil.
func WireField(f *catalog.Field) *connectorv1.Field {
	if f == nil {
		return nil
	}
	return &connectorv1.Field{Name: f.Name, Type: WireType(f.Type), Nullable: f.Nullable,
		PrimaryKeyPosition: f.PrimaryKeyPosition}
}

// Fields converts v1 fields; nil stays nil.
func Fields(fs []*connectorv1.Field) []*catalog.Field {
	if fs == nil {
		return nil
	}
	out := make([]*catalog.Field, len(fs))
	for i, f := range fs {
		out[i] = Field(f)
	}
	return out
}

// WireFields converts fields to v1; nil stays nil.
func WireFields(fs []*catalog.Field) []*connectorv1.Field {
	if fs == nil {
		return nil
	}
	out := make([]*connectorv1.Field, len(fs))
	for i, f := range fs {
		out[i] = WireField(f)
	}
	return out
}

// Schema converts a v1 schema; nil stays nil.
func Schema(s *connectorv1.Schema) *catalog.Schema {
	if s == nil {
		return nil
	}
	return &catalog.Schema{Fields: Fields(s.GetFields()), Arrow: s.GetArrowSchema()}
}

// WireSchema converts a schema to v1; nil stays nil.
func WireSchema(s *catalog.Schema) *connectorv1.Schema {
	if s == nil {
		return nil
	}
	return &connectorv1.Schema{Fields: WireFields(s.Fields), ArrowSchema: s.Arrow}
}
