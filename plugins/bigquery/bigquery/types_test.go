package bigquery

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// TestTypeMap: every row of docs/types/bigquery.md, with its lossy note.
func TestTypeMap(t *testing.T) {
	json := arrow.NewMetadata([]string{sdk.MetaLogical}, []string{sdk.LogicalJSON})
	uuid := arrow.NewMetadata([]string{sdk.MetaLogical}, []string{sdk.LogicalUUID})
	for _, tc := range []struct {
		f          arrow.Field
		want, loss string
	}{
		{arrow.Field{Type: arrow.FixedWidthTypes.Boolean}, "BOOL", ""},
		{arrow.Field{Type: arrow.PrimitiveTypes.Int16}, "INT64", ""},
		{arrow.Field{Type: arrow.PrimitiveTypes.Uint32}, "INT64", ""},
		{arrow.Field{Type: arrow.PrimitiveTypes.Uint64}, "NUMERIC", "no unsigned 64-bit type: stored as NUMERIC"},
		{arrow.Field{Type: arrow.PrimitiveTypes.Float32}, "FLOAT64", ""},
		{arrow.Field{Type: &arrow.Decimal128Type{Precision: 38, Scale: 9}}, "NUMERIC", ""},
		{arrow.Field{Type: &arrow.Decimal128Type{Precision: 38, Scale: 10}}, "BIGNUMERIC", ""},
		{arrow.Field{Type: &arrow.Decimal128Type{Precision: 38, Scale: 0}}, "BIGNUMERIC", ""},
		{arrow.Field{Type: &arrow.Decimal256Type{Precision: 76, Scale: 38}}, "BIGNUMERIC", ""},
		{arrow.Field{Type: &arrow.Decimal256Type{Precision: 76, Scale: 40}}, "BIGNUMERIC", "BIGNUMERIC keeps 38 decimal places: decimal(76,40) is rounded"},
		{arrow.Field{Type: &arrow.Decimal256Type{Precision: 76, Scale: 10}}, "BIGNUMERIC", "BIGNUMERIC holds 38 integer digits: decimal(76,10) may overflow"},
		{arrow.Field{Type: arrow.BinaryTypes.String}, "STRING", ""},
		{arrow.Field{Type: arrow.BinaryTypes.String, Metadata: json}, "JSON", ""},
		{arrow.Field{Type: arrow.BinaryTypes.String, Metadata: uuid}, "STRING", ""},
		{arrow.Field{Type: arrow.BinaryTypes.Binary}, "BYTES", ""},
		{arrow.Field{Type: arrow.FixedWidthTypes.Date32}, "DATE", ""},
		{arrow.Field{Type: arrow.FixedWidthTypes.Date64}, "DATE", "DATE keeps days: a time of day in date64 is dropped"},
		{arrow.Field{Type: arrow.FixedWidthTypes.Time64us}, "TIME", ""},
		{arrow.Field{Type: arrow.FixedWidthTypes.Time64ns}, "TIME", "TIME keeps microseconds: nanoseconds are truncated"},
		{arrow.Field{Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}}, "TIMESTAMP", ""},
		{arrow.Field{Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}}, "TIMESTAMP", "TIMESTAMP/DATETIME keep microseconds: nanoseconds are truncated"},
		{arrow.Field{Type: &arrow.TimestampType{Unit: arrow.Microsecond}}, "DATETIME", ""},
		{arrow.Field{Type: arrow.ListOf(arrow.PrimitiveTypes.Int32)}, "ARRAY<INT64>", ""},
		{arrow.Field{Type: arrow.StructOf(arrow.Field{Name: "a b", Type: arrow.BinaryTypes.String})}, "STRUCT<`a b` STRING>", ""},
		{arrow.Field{Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64)}, "ARRAY<STRUCT<key STRING, value INT64>>", ""},
	} {
		t.Run(tc.f.Type.String(), func(t *testing.T) {
			got, err := bqType(tc.f)
			if err != nil || got != tc.want {
				t.Errorf("type: got %q (%v), want %q", got, err, tc.want)
			}
			if got := (&Connector{}).TypeLoss(tc.f); got != tc.loss {
				t.Errorf("loss: got %q, want %q", got, tc.loss)
			}
		})
	}
}

// TestTypeMapRefuses: types BigQuery cannot hold are SCHEMA errors.
func TestTypeMapRefuses(t *testing.T) {
	for _, dt := range []arrow.DataType{
		arrow.ListOf(arrow.ListOf(arrow.PrimitiveTypes.Int64)),
		arrow.FixedWidthTypes.Duration_s,
		arrow.FixedWidthTypes.MonthDayNanoInterval,
	} {
		if _, err := bqType(arrow.Field{Name: "c", Type: dt}); sdk.CodeOf(err) != sdk.CodeSchema {
			t.Errorf("%s: got %v, want a SCHEMA error", dt, err)
		}
	}
}
