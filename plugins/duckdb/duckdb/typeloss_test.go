package duckdb

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestTypeLoss(t *testing.T) {
	tests := []struct {
		dt   arrow.DataType
		want string // substring; "" = lossless
	}{
		{arrow.PrimitiveTypes.Int64, ""},
		{&arrow.Decimal128Type{Precision: 38, Scale: 10}, ""},
		{&arrow.Decimal256Type{Precision: 50, Scale: 2}, "VARCHAR"},
		{&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, ""},
		{&arrow.TimestampType{Unit: arrow.Nanosecond}, ""},
		{&arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}, "nanoseconds"},
		{&arrow.Time64Type{Unit: arrow.Nanosecond}, "nanoseconds"},
		{arrow.FixedWidthTypes.MonthDayNanoInterval, "sub-microsecond"},
		{arrow.ListOf(&arrow.Time64Type{Unit: arrow.Nanosecond}), "[]; element: "},
	}
	for _, tt := range tests {
		got := (&Connector{}).TypeLoss(arrow.Field{Name: "c", Type: tt.dt})
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.dt, got, tt.want)
		}
	}
}
