package schema

import (
	"testing"

	"github.com/dpone-go/dpone/host/catalog"
)

func TestWiden(t *testing.T) {
	// want: "" = no widening exists; otherwise the target type after.
	tests := []struct{ src, dst, want string }{
		// identical
		{"int64", "int64", "int64"},
		{"decimal(18,4)", "decimal(18,4)", "decimal(18,4)"},
		// signed integers widen 8 -> 16 -> 32 -> 64
		{"int16", "int8", "int16"},
		{"int32", "int16", "int32"},
		{"int64", "int32", "int64"},
		{"int64", "int8", "int64"},
		// narrower sources fit as is
		{"int8", "int64", "int64"},
		{"int32", "int64", "int64"},
		// unsigned
		{"uint16", "uint8", "uint16"},
		{"uint8", "int16", "int16"},
		{"uint8", "int8", "int16"},
		{"uint16", "int16", "int32"},
		{"uint32", "int32", "int64"},
		{"int8", "uint8", "int16"},
		{"uint32", "int64", "int64"},
		{"uint64", "int64", ""},
		{"int8", "uint64", ""},
		// floats
		{"float64", "float32", "float64"},
		{"float32", "float64", "float64"},
		{"int32", "float64", ""},
		{"float64", "int64", ""},
		// decimals: precision up same scale; scale up keeping integer digits
		{"decimal(20,4)", "decimal(18,4)", "decimal(20,4)"},
		{"decimal(12,4)", "decimal(10,2)", "decimal(12,4)"},
		{"decimal(10,4)", "decimal(10,2)", "decimal(12,4)"},
		{"decimal(10,2)", "decimal(18,4)", "decimal(18,4)"},
		{"decimal(38,10)", "decimal(38,0)", ""},
		{"decimal(50,10)", "decimal(40,10)", "decimal(50,10)"},
		{"int64", "decimal(38,0)", ""},
		// strings: longer or unbounded
		{"string(20)", "string(10)", "string(20)"},
		{"string", "string(10)", "string"},
		{"string(10)", "string", "string"},
		{"string(5)", "string(10)", "string(10)"},
		{"uuid", "string", "string"},
		{"uuid", "string(10)", "string(36)"},
		{"json", "string(100)", "string"},
		{"string", "uuid", ""},
		{"string", "json", ""},
		{"binary(32)", "binary(16)", "binary(32)"},
		{"string", "binary", ""},
		// temporal
		{"timestamp(6)", "timestamp(3)", "timestamp(6)"},
		{"timestamp(3)", "timestamp(6)", "timestamp(6)"},
		{"timestamp(6, tz)", "timestamp(6)", ""},
		{"timestamp(6)", "timestamp(6, tz)", ""},
		{"timestamp(9, tz)", "timestamp(6, tz)", "timestamp(9, tz)"},
		{"time(6)", "time(3)", "time(6)"},
		{"date", "timestamp(6)", ""},
		{"date", "date", "date"},
		// everything else only accepts itself
		{"bool", "int8", ""},
		{"int64", "string", ""},
		{"string", "int64", ""},
		{"interval", "interval", "interval"},
	}
	for _, tt := range tests {
		got, ok := Widen(ty(t, tt.src), ty(t, tt.dst))
		switch {
		case tt.want == "" && ok:
			t.Errorf("Widen(%s, %s) = %s, want no widening", tt.src, tt.dst, TypeName(got))
		case tt.want != "" && !ok:
			t.Errorf("Widen(%s, %s) = none, want %s", tt.src, tt.dst, tt.want)
		case ok && TypeName(got) != tt.want:
			t.Errorf("Widen(%s, %s) = %s, want %s", tt.src, tt.dst, TypeName(got), tt.want)
		}
	}
}

func TestWidenIgnoresNativeAndNested(t *testing.T) {
	a := &catalog.LogicalType{Kind: kInt64, Native: "bigint"}
	b := &catalog.LogicalType{Kind: kInt64, Native: "int8"}
	if !Fits(a, b) {
		t.Errorf("Fits(bigint, int8 native) = false, want true")
	}
	if got, _ := Widen(a, b); got.GetNative() != "" {
		t.Errorf("Widen kept native %q, want none", got.GetNative())
	}
	list := func(k catalog.Kind) *catalog.LogicalType {
		return &catalog.LogicalType{Kind: catalog.KindList, Element: &catalog.LogicalType{Kind: k}}
	}
	if !Fits(list(kInt64), list(kInt64)) {
		t.Errorf("Fits(list<int64>, list<int64>) = false, want true")
	}
	if _, ok := Widen(list(kInt64), list(kInt32)); ok {
		t.Errorf("Widen(list<int64>, list<int32>) ok, want no nested widening")
	}
	str := func(n int64) *catalog.LogicalType {
		return &catalog.LogicalType{Kind: catalog.KindList, Element: &catalog.LogicalType{Kind: catalog.KindString, MaxLength: n}}
	}
	if !Fits(str(8), str(0)) {
		t.Errorf("Fits(list<string(8)>, list<string>) = false, want true (varchar(8)[] into text[])")
	}
	if _, ok := Widen(str(0), str(8)); ok {
		t.Errorf("Widen(list<string>, list<string(8)>) ok, want no nested widening")
	}
	if _, ok := Widen(nil, a); ok {
		t.Errorf("Widen(nil, int64) ok, want false")
	}
}

// TestWidenStruct: a struct whose fields fit the target's, in the same
// order (int32 into int64, a NOT NULL field into a nullable one), fits as
// the target is (structs are never widened: no nested DDL); a nullable
// field into a NOT NULL one, another field list or an incompatible field
// does not. Warehouses with coarse types (BigQuery's INT64, nullable
// STRUCT fields) describe a target so.
func TestWidenStruct(t *testing.T) {
	st := func(fields ...*catalog.Field) *catalog.LogicalType {
		return &catalog.LogicalType{Kind: catalog.KindStruct, Fields: fields}
	}
	f := func(name string, k catalog.Kind, nullable bool) *catalog.Field {
		return &catalog.Field{Name: name, Nullable: nullable, Type: &catalog.LogicalType{Kind: k}}
	}
	dst := st(f("n", catalog.KindInt64, true), f("s", catalog.KindString, true))
	for _, tc := range []struct {
		name string
		src  *catalog.LogicalType
		fits bool
	}{
		{"same", st(f("n", catalog.KindInt64, true), f("s", catalog.KindString, true)), true},
		{"narrower field", st(f("n", catalog.KindInt32, true), f("s", catalog.KindString, true)), true},
		{"not null into nullable", st(f("n", catalog.KindInt64, false), f("s", catalog.KindString, false)), true},
		{"wider field", st(f("n", catalog.KindDecimal, true), f("s", catalog.KindString, true)), false},
		{"other order", st(f("s", catalog.KindString, true), f("n", catalog.KindInt64, true)), false},
		{"fewer fields", st(f("n", catalog.KindInt64, true)), false},
		{"other name", st(f("m", catalog.KindInt64, true), f("s", catalog.KindString, true)), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			to, ok := Widen(tc.src, dst)
			if got := ok && sameType(to, dst); got != tc.fits {
				t.Errorf("fits: got %v (%v, %v), want %v", got, to, ok, tc.fits)
			}
		})
	}
	nn := st(f("n", catalog.KindInt64, false), f("s", catalog.KindString, true))
	if to, ok := Widen(st(f("n", catalog.KindInt64, true), f("s", catalog.KindString, true)), nn); ok && sameType(to, nn) {
		t.Error("a nullable field fits a NOT NULL one")
	}
}
