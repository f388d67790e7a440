package v1convert

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/proto/logical"
)

// FieldFromArrow converts one Arrow field, reading dpone's field metadata
// as proto/logical defines it.
func FieldFromArrow(f arrow.Field) (*catalog.Field, error) {
	pf, err := logical.FieldFromArrow(f)
	if err != nil {
		return nil, err
	}
	return Field(pf), nil
}

// FieldsFromArrow converts an Arrow schema.
func FieldsFromArrow(s *arrow.Schema) ([]*catalog.Field, error) {
	fs, err := logical.FromArrow(s)
	if err != nil {
		return nil, err
	}
	return Fields(fs), nil
}

// TypeToArrow converts a logical type to its Arrow type and field metadata.
func TypeToArrow(t *catalog.LogicalType) (arrow.DataType, arrow.Metadata, error) {
	return logical.TypeToArrow(WireType(t))
}

// FieldsToArrow converts fields to an Arrow schema.
func FieldsToArrow(fs []*catalog.Field) (*arrow.Schema, error) {
	return logical.ToArrow(WireFields(fs))
}

// TypeName renders a logical type the way plans and errors show it, as
// proto/logical.Name does: int64, decimal(18,4), timestamp(6, tz).
func TypeName(t *catalog.LogicalType) string {
	return logical.Name(WireType(t))
}

// ArrowSchema decodes a schema's Arrow IPC message, or builds the Arrow
// schema from its fields when it has none.
func ArrowSchema(s *catalog.Schema) (*arrow.Schema, error) {
	return logical.ArrowSchema(WireSchema(s))
}

// SchemaFromArrow converts an Arrow schema to a schema carrying its IPC
// message.
func SchemaFromArrow(s *arrow.Schema) (*catalog.Schema, error) {
	m, err := logical.SchemaMessage(s)
	if err != nil {
		return nil, err
	}
	return Schema(m), nil
}

// EncodeBatch writes one record as the complete Arrow IPC stream a Batch
// carries.
func EncodeBatch(rec arrow.RecordBatch) ([]byte, error) { return logical.EncodeBatch(rec) }

// DecodeBatch reads a Batch's Arrow IPC stream into one record whose
// buffers alias b (no copy): b must not change while the record is in
// use. The caller releases the record.
func DecodeBatch(b []byte) (arrow.RecordBatch, error) { return logical.DecodeBatch(b, nil) }

// IsJSON reports whether an Arrow field holds JSON text (dpone's logical
// type json on a string column).
func IsJSON(f arrow.Field) bool {
	lt, _ := f.Metadata.GetValue(logical.MetaLogical)
	return lt == logical.LogicalJSON
}
