package bigquery

import (
	"github.com/apache/arrow-go/v18/arrow"
	bq "google.golang.org/api/bigquery/v2"

	"github.com/dpone-go/dpone/sdk"
)

// arrowField maps a BigQuery column to the Arrow field the Storage Read
// API returns for it, with dpone's metadata: dpone.native is the BigQuery
// type, JSON carries dpone.logical = json. REPEATED is a list, RECORD a
// struct. INTERVAL and RANGE have no logical type and are read as text.
func arrowField(f *bq.TableFieldSchema) arrow.Field {
	var t arrow.DataType
	keys, vals := []string{sdk.MetaNative}, []string{f.Type}
	switch f.Type {
	case "INTEGER", "INT64":
		t = arrow.PrimitiveTypes.Int64
	case "FLOAT", "FLOAT64":
		t = arrow.PrimitiveTypes.Float64
	case "BOOLEAN", "BOOL":
		t = arrow.FixedWidthTypes.Boolean
	case "BYTES":
		t = arrow.BinaryTypes.Binary
	case "DATE":
		t = arrow.FixedWidthTypes.Date32
	case "TIME":
		t = arrow.FixedWidthTypes.Time64us
	case "DATETIME":
		t = &arrow.TimestampType{Unit: arrow.Microsecond}
	case "TIMESTAMP":
		t = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case "NUMERIC":
		t = &arrow.Decimal128Type{Precision: 38, Scale: 9}
	case "BIGNUMERIC", "BIGDECIMAL":
		t = &arrow.Decimal256Type{Precision: 76, Scale: 38}
	case "JSON":
		t = arrow.BinaryTypes.String
		keys, vals = append(keys, sdk.MetaLogical), append(vals, sdk.LogicalJSON)
	case "RECORD", "STRUCT":
		children := make([]arrow.Field, len(f.Fields))
		for i, c := range f.Fields {
			children[i] = arrowField(c)
		}
		t = arrow.StructOf(children...)
	default: // STRING, GEOGRAPHY, INTERVAL, RANGE
		t = arrow.BinaryTypes.String
	}
	out := arrow.Field{Name: f.Name, Type: t, Nullable: f.Mode != "REQUIRED", Metadata: arrow.NewMetadata(keys, vals)}
	if f.Mode == "REPEATED" {
		out.Type = arrow.ListOfField(arrow.Field{Name: "item", Type: t, Nullable: false, Metadata: out.Metadata})
		out.Nullable = false
	}
	return out
}

// arrowSchema maps a table schema.
func arrowSchema(s *bq.TableSchema) *arrow.Schema {
	if s == nil {
		return arrow.NewSchema(nil, nil)
	}
	fields := make([]arrow.Field, len(s.Fields))
	for i, f := range s.Fields {
		fields[i] = arrowField(f)
	}
	return arrow.NewSchema(fields, nil)
}
