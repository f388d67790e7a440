package sdk

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"
)

func TestSelected(t *testing.T) {
	tests := []struct {
		selector []string
		ns, name string
		want     bool
	}{
		{nil, "public", "orders", true},
		{[]string{"orders"}, "public", "orders", true},
		{[]string{"public.orders"}, "public", "orders", true},
		{[]string{"public"}, "public", "orders", true},
		{[]string{"public.*"}, "public", "orders", true},
		{[]string{"ord*"}, "public", "orders", true},
		{[]string{"sales.orders"}, "public", "orders", false},
		{[]string{"sales"}, "public", "orders", false},
		{[]string{"customers"}, "public", "orders", false},
		{[]string{"orders"}, "", "orders", true},
		{[]string{""}, "", "orders", false},
	}
	for _, tt := range tests {
		if got := Selected(tt.selector, tt.ns, tt.name); got != tt.want {
			t.Errorf("Selected(%q, %q, %q) = %v, want %v", tt.selector, tt.ns, tt.name, got, tt.want)
		}
	}
}

func TestCursorCandidates(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "name", Type: arrow.BinaryTypes.String},
		{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32},
		{Name: "score", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	if diff := cmp.Diff([]string{"id", "at", "day"}, CursorCandidates(s)); diff != "" {
		t.Errorf("candidates (-want +got):\n%s", diff)
	}
}
