package mssql

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// TestDDLTypes pins the T-SQL type of every Arrow type the sink takes and
// refuses the ones it cannot store.
func TestDDLTypes(t *testing.T) {
	ml := arrow.MetadataFrom(map[string]string{sdk.MetaMaxLength: "20"})
	for _, tc := range []struct {
		f    arrow.Field
		want string
	}{
		{arrow.Field{Type: arrow.PrimitiveTypes.Uint16}, "int"},
		{arrow.Field{Type: arrow.PrimitiveTypes.Uint32}, "bigint"},
		{arrow.Field{Type: arrow.PrimitiveTypes.Uint64}, "decimal(20,0)"},
		{arrow.Field{Type: &arrow.Decimal256Type{Precision: 30, Scale: 2}}, "decimal(30,2)"},
		{arrow.Field{Type: arrow.BinaryTypes.String, Metadata: ml}, "nvarchar(20)"},
		{arrow.Field{Type: &arrow.FixedSizeBinaryType{ByteWidth: 16}}, "binary(16)"},
		{arrow.Field{Type: &arrow.Time32Type{Unit: arrow.Millisecond}}, "time(3)"},
		{arrow.Field{Type: &arrow.TimestampType{Unit: arrow.Second}}, "datetime2(0)"},
		{arrow.Field{Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}}, "datetimeoffset(3)"},
	} {
		if got, err := ddlType(tc.f); err != nil || got != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.f.Type, got, err, tc.want)
		}
	}
	for _, typ := range []arrow.DataType{&arrow.Decimal256Type{Precision: 76, Scale: 0}, arrow.ListOf(arrow.PrimitiveTypes.Int32),
		arrow.FixedWidthTypes.MonthDayNanoInterval} {
		if _, err := ddlType(arrow.Field{Name: "x", Type: typ}); sdk.CodeOf(err) != sdk.CodeSchema {
			t.Errorf("%s: got %v, want SCHEMA", typ, err)
		}
	}
}

// TestTypeLoss names the mappings that lose precision and no others.
func TestTypeLoss(t *testing.T) {
	c := &Connector{}
	for _, tc := range []struct {
		typ   arrow.DataType
		lossy bool
	}{
		{&arrow.TimestampType{Unit: arrow.Nanosecond}, true},
		{&arrow.TimestampType{Unit: arrow.Microsecond}, false},
		{&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, false},
		{&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "Europe/Paris"}, true},
		{&arrow.Time64Type{Unit: arrow.Nanosecond}, true},
		{&arrow.Decimal128Type{Precision: 38, Scale: 10}, false},
		{arrow.PrimitiveTypes.Uint8, false},
	} {
		if got := c.TypeLoss(arrow.Field{Name: "x", Type: tc.typ}); (got != "") != tc.lossy {
			t.Errorf("%s: got note %q, want lossy %v", tc.typ, got, tc.lossy)
		}
	}
}

// TestKeyType: a key column of a created table is never a (max) type
// (SQL Server cannot index one); bounded and non-text types are kept.
func TestKeyType(t *testing.T) {
	for _, tc := range []struct {
		f    arrow.Field
		want string
	}{
		{arrow.Field{Name: "s", Type: arrow.BinaryTypes.String}, "nvarchar(450)"},
		{arrow.Field{Name: "s", Type: arrow.BinaryTypes.String, Metadata: arrow.MetadataFrom(map[string]string{sdk.MetaMaxLength: "20"})}, "nvarchar(20)"},
		{arrow.Field{Name: "b", Type: arrow.BinaryTypes.Binary}, "varbinary(900)"},
		{arrow.Field{Name: "i", Type: arrow.PrimitiveTypes.Int64}, "bigint"},
	} {
		got, err := keyType(tc.f)
		if err != nil || got != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.f.Type, got, err, tc.want)
		}
	}
}

// TestTargetLoss: loading timestamps into an existing datetime or
// smalldatetime column is reported as lossy; datetime2 and other types
// are not.
func TestTargetLoss(t *testing.T) {
	ms := arrow.Field{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Millisecond}}
	for _, tc := range []struct {
		c    column
		f    arrow.Field
		want string
	}{
		{column{Name: "at", Type: "datetime"}, ms, "column at is datetime: values round to 1/300 s (3.33 ms steps: .000, .003, .007)"},
		{column{Name: "at", Type: "datetime"}, arrow.Field{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Second}}, ""},
		{column{Name: "at", Type: "smalldatetime"}, ms, "column at is smalldatetime: values round to the minute"},
		{column{Name: "at", Type: "datetime2", Scale: 7}, ms, ""},
		{column{Name: "n", Type: "datetime"}, arrow.Field{Name: "n", Type: arrow.PrimitiveTypes.Int64}, ""},
	} {
		if got := targetLoss(tc.c, tc.f); got != tc.want {
			t.Errorf("%s from %s: got %q, want %q", tc.c.Type, tc.f.Type, got, tc.want)
		}
	}
}
