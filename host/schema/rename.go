package schema

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dpone-go/dpone/host/catalog"
)

// RenameSchema returns s with the fields in ev.Renames renamed (and made
// nullable: a __dpone_nc_ column always is), or s itself when nothing is
// renamed. Use it for the BeginLoad schema.
func (ev *Evolution) RenameSchema(s *arrow.Schema) *arrow.Schema {
	if len(ev.Renames) == 0 {
		return s
	}
	fields := s.Fields()
	for i, f := range fields {
		if to, ok := ev.Renames[f.Name]; ok {
			fields[i].Name, fields[i].Nullable = to, true
		}
	}
	md := s.Metadata()
	return arrow.NewSchema(fields, &md)
}

// RenameFields is RenameSchema for protocol fields; it returns copies.
func (ev *Evolution) RenameFields(fields []*catalog.Field) []*catalog.Field {
	out := make([]*catalog.Field, len(fields))
	for i, f := range fields {
		out[i] = f
		if to, ok := ev.Renames[f.GetName()]; ok {
			c := f.Clone()
			c.Name, c.Nullable = to, true
			out[i] = c
		}
	}
	return out
}

// RenameRecord returns rec under the renamed schema. No data is copied:
// the result shares rec's arrays (the caller releases both). When nothing
// is renamed it returns rec retained, so the caller can always release
// the result.
func (ev *Evolution) RenameRecord(rec arrow.RecordBatch) arrow.RecordBatch {
	if len(ev.Renames) == 0 {
		rec.Retain()
		return rec
	}
	return array.NewRecordBatch(ev.RenameSchema(rec.Schema()), rec.Columns(), rec.NumRows())
}
