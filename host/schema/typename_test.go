package schema

import (
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// Shorthands for test tables.
const (
	kBool    = connectorv1.TypeKind_TYPE_KIND_BOOL
	kInt8    = connectorv1.TypeKind_TYPE_KIND_INT8
	kInt16   = connectorv1.TypeKind_TYPE_KIND_INT16
	kInt32   = connectorv1.TypeKind_TYPE_KIND_INT32
	kInt64   = connectorv1.TypeKind_TYPE_KIND_INT64
	kUint8   = connectorv1.TypeKind_TYPE_KIND_UINT8
	kUint64  = connectorv1.TypeKind_TYPE_KIND_UINT64
	kFloat32 = connectorv1.TypeKind_TYPE_KIND_FLOAT32
	kFloat64 = connectorv1.TypeKind_TYPE_KIND_FLOAT64
	kDecimal = connectorv1.TypeKind_TYPE_KIND_DECIMAL
	kString  = connectorv1.TypeKind_TYPE_KIND_STRING
	kTS      = connectorv1.TypeKind_TYPE_KIND_TIMESTAMP
)

// cmpProto compares protobuf messages and regexps by value.
var cmpProto = cmp.Options{protocmp.Transform(), cmp.Comparer(func(a, b *regexp.Regexp) bool {
	return a == nil && b == nil || a != nil && b != nil && a.String() == b.String()
})}

// ty parses a type name or fails the test.
func ty(t testing.TB, s string) *connectorv1.LogicalType {
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
		want *connectorv1.LogicalType
	}{
		{"int64", &connectorv1.LogicalType{Kind: kInt64}},
		{" Boolean ", &connectorv1.LogicalType{Kind: kBool}},
		{"decimal(18,4)", &connectorv1.LogicalType{Kind: kDecimal, Precision: 18, Scale: 4}},
		{"decimal(10)", &connectorv1.LogicalType{Kind: kDecimal, Precision: 10}},
		{"string", &connectorv1.LogicalType{Kind: kString}},
		{"string(255)", &connectorv1.LogicalType{Kind: kString, MaxLength: 255}},
		{"binary(16)", &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_BINARY, MaxLength: 16}},
		{"timestamp", &connectorv1.LogicalType{Kind: kTS, Precision: 6}},
		{"timestamp(3)", &connectorv1.LogicalType{Kind: kTS, Precision: 3}},
		{"timestamp(6, tz)", &connectorv1.LogicalType{Kind: kTS, Precision: 6, WithTimeZone: true}},
		{"timestamptz", &connectorv1.LogicalType{Kind: kTS, Precision: 6, WithTimeZone: true}},
		{"time(0)", &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_TIME}},
		{"uuid", &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_UUID}},
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
