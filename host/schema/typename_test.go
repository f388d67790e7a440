package schema

import (
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/dpone-go/dpone/host/catalog"
)

// Shorthands for test tables.
const (
	kBool    = catalog.KindBool
	kInt8    = catalog.KindInt8
	kInt16   = catalog.KindInt16
	kInt32   = catalog.KindInt32
	kInt64   = catalog.KindInt64
	kUint8   = catalog.KindUint8
	kUint64  = catalog.KindUint64
	kFloat32 = catalog.KindFloat32
	kFloat64 = catalog.KindFloat64
	kDecimal = catalog.KindDecimal
	kString  = catalog.KindString
	kTS      = catalog.KindTimestamp
)

// cmpProto compares protobuf messages and regexps by value.
var cmpProto = cmp.Options{protocmp.Transform(), cmp.Comparer(func(a, b *regexp.Regexp) bool {
	return a == nil && b == nil || a != nil && b != nil && a.String() == b.String()
})}

// ty parses a type name or fails the test.
func ty(t testing.TB, s string) *catalog.LogicalType {
	t.Helper()
	lt, err := ParseType(s)
	if err != nil {
		t.Fatalf("ParseType(%q): %v", s, err)
	}
	return lt
}

func TestParseType(t *testing.T) {
	tests := []struct {
		in   string
		want *catalog.LogicalType
	}{
		{"int64", &catalog.LogicalType{Kind: kInt64}},
		{" Boolean ", &catalog.LogicalType{Kind: kBool}},
		{"decimal(18,4)", &catalog.LogicalType{Kind: kDecimal, Precision: 18, Scale: 4}},
		{"decimal(10)", &catalog.LogicalType{Kind: kDecimal, Precision: 10}},
		{"string", &catalog.LogicalType{Kind: kString}},
		{"string(255)", &catalog.LogicalType{Kind: kString, MaxLength: 255}},
		{"binary(16)", &catalog.LogicalType{Kind: catalog.KindBinary, MaxLength: 16}},
		{"timestamp", &catalog.LogicalType{Kind: kTS, Precision: 6}},
		{"timestamp(3)", &catalog.LogicalType{Kind: kTS, Precision: 3}},
		{"timestamp(6, tz)", &catalog.LogicalType{Kind: kTS, Precision: 6, WithTimeZone: true}},
		{"timestamptz", &catalog.LogicalType{Kind: kTS, Precision: 6, WithTimeZone: true}},
		{"time(0)", &catalog.LogicalType{Kind: catalog.KindTime}},
		{"uuid", &catalog.LogicalType{Kind: catalog.KindUUID}},
	}
	for _, tt := range tests {
		got, err := ParseType(tt.in)
		if err != nil {
			t.Errorf("ParseType(%q): %v", tt.in, err)
			continue
		}
		if d := cmp.Diff(tt.want, got, protocmp.Transform()); d != "" {
			t.Errorf("ParseType(%q) (-want +got):\n%s", tt.in, d)
		}
		// Name and ParseType round-trip.
		if back := ty(t, TypeName(got)); !sameType(back, got) {
			t.Errorf("ParseType(TypeName(%q)) = %s, want %s", tt.in, TypeName(back), TypeName(got))
		}
	}
}

func TestParseTypeErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"in64", `type "in64" is not a logical type (did you mean "int64"?)`},
		{"decimal", `write decimal(precision, scale)`},
		{"decimal(4,5)", `0 <= scale <= precision`},
		{"decimal(18,4", `missing closing parenthesis`},
		{"int64(3)", `int64 takes no arguments`},
		{"timestamp(12)", `fractional digits must be 0..9`},
		{"list<int64>", `nested types cannot be declared yet`},
		{"string(x)", `argument "x" is not a number`},
	}
	for _, tt := range tests {
		_, err := ParseType(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseType(%q) error = %v, want it to contain %q", tt.in, err, tt.want)
		}
	}
}
