package mssql

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
	mssqldb "github.com/microsoft/go-mssqldb"

	"github.com/dpone-go/dpone/sdk"
)

// TestUUIDWireOrder checks SQL Server's mixed-endian uniqueidentifier
// layout against Microsoft's documented example and go-mssqldb's own
// UniqueIdentifier, both ways.
func TestUUIDWireOrder(t *testing.T) {
	const s = "6f9619ff-8b86-d011-b42d-00c04fc964ff"
	want := []byte{0xff, 0x19, 0x96, 0x6f, 0x86, 0x8b, 0x11, 0xd0, 0xb4, 0x2d, 0x00, 0xc0, 0x4f, 0xc9, 0x64, 0xff}
	got, err := uuidToWire(s)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("uuidToWire (-want +got):\n%s", diff)
	}
	back, err := uuidFromWire(got)
	if err != nil || back != s {
		t.Errorf("uuidFromWire: got %q, %v; want %q", back, err, s)
	}
	var u mssqldb.UniqueIdentifier
	if err := u.Scan(want); err != nil {
		t.Fatal(err)
	}
	if strings.ToLower(u.String()) != s {
		t.Errorf("go-mssqldb reads the wire bytes as %s, want %s", u.String(), s)
	}
	if _, err := uuidToWire("not-a-uuid"); err == nil {
		t.Error("uuidToWire accepted a non-uuid")
	}
}

// accepts mirrors, per T-SQL type dpone creates, the Go types go-mssqldb
// v1.11.2's bulk copy (bulkcopy.go makeParam) encodes; anything else
// fails there at run time.
func accepts(ddl string, v any) bool {
	base, _, _ := strings.Cut(ddl, "(")
	switch base {
	case "bit":
		_, ok := v.(bool)
		return ok
	case "tinyint", "smallint", "int", "bigint":
		_, ok := v.(int64)
		return ok
	case "real", "float":
		switch v.(type) {
		case float32, float64:
			return true
		}
	case "decimal":
		_, ok := v.(string) // exact digits; float64 would round
		return ok
	case "nvarchar":
		_, ok := v.(string)
		return ok
	case "varbinary", "binary", "uniqueidentifier":
		b, ok := v.([]byte)
		return ok && (base != "uniqueidentifier" || len(b) == 16)
	case "date", "time", "datetime2", "datetimeoffset":
		_, ok := v.(time.Time)
		return ok
	}
	return false
}

type valueCase struct {
	field arrow.Field
	ddl   string
	build func(array.Builder)
	want  []any // bulk values, one per row
}

func valueCases() []valueCase {
	uuidMeta := arrow.MetadataFrom(map[string]string{sdk.MetaLogical: sdk.LogicalUUID})
	jsonMeta := arrow.MetadataFrom(map[string]string{sdk.MetaLogical: sdk.LogicalJSON})
	d := func(s string, p, sc int32) decimal128.Num {
		n, err := decimal128.FromString(s, p, sc)
		if err != nil {
			panic(err)
		}
		return n
	}
	ts := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return t.UTC()
	}
	return []valueCase{
		{arrow.Field{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true}, "bit",
			func(b array.Builder) {
				b.(*array.BooleanBuilder).AppendValues([]bool{true, false}, nil)
				b.AppendNull()
			},
			[]any{true, false, nil}},
		{arrow.Field{Name: "u8", Type: arrow.PrimitiveTypes.Uint8}, "tinyint",
			func(b array.Builder) { b.(*array.Uint8Builder).AppendValues([]uint8{0, 255}, nil) }, []any{int64(0), int64(255)}},
		{arrow.Field{Name: "i8", Type: arrow.PrimitiveTypes.Int8}, "smallint",
			func(b array.Builder) { b.(*array.Int8Builder).AppendValues([]int8{-128, 127}, nil) }, []any{int64(-128), int64(127)}},
		{arrow.Field{Name: "i16", Type: arrow.PrimitiveTypes.Int16}, "smallint",
			func(b array.Builder) { b.(*array.Int16Builder).AppendValues([]int16{-32768, 32767}, nil) }, []any{int64(-32768), int64(32767)}},
		{arrow.Field{Name: "i32", Type: arrow.PrimitiveTypes.Int32}, "int",
			func(b array.Builder) { b.(*array.Int32Builder).AppendValues([]int32{-2147483648, 2147483647}, nil) }, []any{int64(-2147483648), int64(2147483647)}},
		{arrow.Field{Name: "i64", Type: arrow.PrimitiveTypes.Int64}, "bigint",
			func(b array.Builder) { b.(*array.Int64Builder).AppendValues([]int64{-1 << 63, 1<<63 - 1}, nil) }, []any{int64(-1 << 63), int64(1<<63 - 1)}},
		{arrow.Field{Name: "f32", Type: arrow.PrimitiveTypes.Float32}, "real",
			func(b array.Builder) { b.(*array.Float32Builder).AppendValues([]float32{1.5, -0}, nil) }, []any{float32(1.5), float32(0)}},
		{arrow.Field{Name: "f64", Type: arrow.PrimitiveTypes.Float64}, "float",
			func(b array.Builder) { b.(*array.Float64Builder).AppendValues([]float64{1e308, 5e-324}, nil) }, []any{1e308, 5e-324}},
		{arrow.Field{Name: "dec", Type: &arrow.Decimal128Type{Precision: 38, Scale: 10}, Nullable: true}, "decimal(38,10)",
			func(b array.Builder) {
				b.(*array.Decimal128Builder).Append(d("9999999999999999999999999999.9999999999", 38, 10))
				b.(*array.Decimal128Builder).Append(d("-0.0000000001", 38, 10))
				b.AppendNull()
			}, []any{"9999999999999999999999999999.9999999999", "-0.0000000001", nil}},
		{arrow.Field{Name: "money", Type: &arrow.Decimal128Type{Precision: 19, Scale: 4}}, "decimal(19,4)",
			func(b array.Builder) { b.(*array.Decimal128Builder).Append(d("-922337203685477.5808", 19, 4)) }, []any{"-922337203685477.5808"}},
		{arrow.Field{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}, "nvarchar(max)",
			func(b array.Builder) {
				b.(*array.StringBuilder).AppendValues([]string{"", "日本語 👩‍💻"}, nil)
				b.AppendNull()
			},
			[]any{"", "日本語 👩‍💻", nil}},
		{arrow.Field{Name: "js", Type: arrow.BinaryTypes.String, Metadata: jsonMeta}, "nvarchar(max)",
			func(b array.Builder) { b.(*array.StringBuilder).Append(`{"d":22.00}`) }, []any{`{"d":22.00}`}},
		{arrow.Field{Name: "g", Type: arrow.BinaryTypes.String, Metadata: uuidMeta, Nullable: true}, "uniqueidentifier",
			func(b array.Builder) {
				b.(*array.StringBuilder).Append("6f9619ff-8b86-d011-b42d-00c04fc964ff")
				b.AppendNull()
			},
			[]any{[]byte{0xff, 0x19, 0x96, 0x6f, 0x86, 0x8b, 0x11, 0xd0, 0xb4, 0x2d, 0x00, 0xc0, 0x4f, 0xc9, 0x64, 0xff}, nil}},
		{arrow.Field{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true}, "varbinary(max)",
			func(b array.Builder) {
				b.(*array.BinaryBuilder).AppendValues([][]byte{{0, 1, 0xfe}, {}}, nil)
				b.AppendNull()
			},
			[]any{[]byte{0, 1, 0xfe}, []byte{}, nil}},
		{arrow.Field{Name: "day", Type: arrow.FixedWidthTypes.Date32}, "date",
			func(b array.Builder) {
				b.(*array.Date32Builder).AppendValues([]arrow.Date32{arrow.Date32FromTime(ts("0001-01-01T00:00:00Z")), arrow.Date32FromTime(ts("9999-12-31T00:00:00Z"))}, nil)
			}, []any{ts("0001-01-01T00:00:00Z"), ts("9999-12-31T00:00:00Z")}},
		{arrow.Field{Name: "tod", Type: &arrow.Time64Type{Unit: arrow.Nanosecond}}, "time(7)",
			func(b array.Builder) { b.(*array.Time64Builder).Append(arrow.Time64(86399999999900)) },
			[]any{time.Date(1, 1, 1, 23, 59, 59, 999999900, time.UTC)}},
		{arrow.Field{Name: "dt2", Type: &arrow.TimestampType{Unit: arrow.Microsecond}}, "datetime2(6)",
			func(b array.Builder) {
				v, _ := arrow.TimestampFromTime(ts("1969-07-20T20:17:40.123456Z"), arrow.Microsecond)
				b.(*array.TimestampBuilder).Append(v)
			}, []any{ts("1969-07-20T20:17:40.123456Z")}},
		{arrow.Field{Name: "dt0", Type: &arrow.TimestampType{Unit: arrow.Second}}, "datetime2(0)",
			func(b array.Builder) {
				v, _ := arrow.TimestampFromTime(ts("0001-01-01T00:00:00Z"), arrow.Second)
				b.(*array.TimestampBuilder).Append(v)
			}, []any{ts("0001-01-01T00:00:00Z")}},
		{arrow.Field{Name: "dto", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "+05:30"}}, "datetimeoffset(7)",
			func(b array.Builder) {
				v, _ := arrow.TimestampFromTime(ts("2024-02-29T23:59:59.9999999+05:30"), arrow.Nanosecond)
				b.(*array.TimestampBuilder).Append(v)
			}, []any{ts("2024-02-29T18:29:59.9999999Z")}},
	}
}

// TestBulkValues checks the driver value dpone hands bulk copy for every
// type and edge value, its T-SQL column type, and that go-mssqldb's bulk
// encoder takes that Go type for that column type.
func TestBulkValues(t *testing.T) {
	for _, tc := range valueCases() {
		t.Run(tc.field.Name, func(t *testing.T) {
			ddl, err := ddlType(tc.field)
			if err != nil || ddl != tc.ddl {
				t.Fatalf("ddlType: got %q, %v; want %q", ddl, err, tc.ddl)
			}
			b := array.NewBuilder(memory.DefaultAllocator, tc.field.Type)
			tc.build(b)
			a := b.NewArray()
			defer a.Release()
			var got []any
			for i := 0; i < a.Len(); i++ {
				v, err := bulkValue(tc.field, a, i)
				if err != nil {
					t.Fatal(err)
				}
				if v != nil && !accepts(ddl, v) {
					t.Errorf("row %d: bulk copy of %s does not take %T", i, ddl, v)
				}
				got = append(got, v)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("bulk values (-want +got):\n%s", diff)
			}
		})
	}
}

// TestValueRoundTrip hands each bulk value back through appendValue (the
// Go values go-mssqldb's reader returns for the same column: decimals as
// digits, uniqueidentifier as wire bytes, times as time.Time) and expects
// the original Arrow array.
func TestValueRoundTrip(t *testing.T) {
	for _, tc := range valueCases() {
		t.Run(tc.field.Name, func(t *testing.T) {
			b := array.NewBuilder(memory.DefaultAllocator, tc.field.Type)
			tc.build(b)
			src := b.NewArray()
			defer src.Release()
			// The reader's field is the T-SQL column's.
			col := parseDDL(t, tc.field.Name, tc.ddl)
			rf, err := col.arrowField()
			if err != nil {
				t.Fatal(err)
			}
			rb := array.NewBuilder(memory.DefaultAllocator, rf.Type)
			for i := 0; i < src.Len(); i++ {
				v, _ := bulkValue(tc.field, src, i)
				if s, ok := v.(string); ok && strings.HasPrefix(tc.ddl, "decimal") {
					v = []byte(s) // the driver returns decimals as []byte
				}
				if err := appendValue(rf, rb, v); err != nil {
					t.Fatal(err)
				}
			}
			got := rb.NewArray()
			defer got.Release()
			if fmt.Sprint(srcValues(src)) != fmt.Sprint(srcValues(got)) {
				t.Errorf("round trip through %s: got %v, want %v", tc.ddl, srcValues(got), srcValues(src))
			}
		})
	}
}

// srcValues renders an array's values (timestamps as instants).
func srcValues(a arrow.Array) []string {
	out := make([]string, a.Len())
	for i := range out {
		switch x := a.(type) {
		case *array.Timestamp:
			if x.IsNull(i) {
				out[i] = "null"
				continue
			}
			u := x.DataType().(*arrow.TimestampType).Unit
			out[i] = x.Value(i).ToTime(u).UTC().Format(time.RFC3339Nano)
		case *array.Int8, *array.Int16, *array.Int32, *array.Int64, *array.Uint8:
			out[i] = x.ValueStr(i)
		default:
			out[i] = a.ValueStr(i)
		}
	}
	return out
}

// parseDDL turns a rendered type such as decimal(38,10) into a column.
func parseDDL(t *testing.T, name, ddl string) column {
	t.Helper()
	c := column{Name: name, Nullable: true}
	base, args, _ := strings.Cut(strings.TrimSuffix(ddl, ")"), "(")
	c.Type = base
	switch base {
	case "decimal":
		fmt.Sscanf(args, "%d,%d", &c.Precision, &c.Scale)
	case "time", "datetime2", "datetimeoffset":
		fmt.Sscanf(args, "%d", &c.Scale)
	case "nvarchar", "varbinary":
		c.MaxLength = -1
	}
	return c
}

// TestArrowFields pins the source type map for every T-SQL type dpone
// reads, and the types it refuses.
func TestArrowFields(t *testing.T) {
	for _, tc := range []struct {
		col  column
		want string
	}{
		{column{Type: "bit"}, "bool"},
		{column{Type: "tinyint"}, "uint8"},
		{column{Type: "smallint"}, "int16"},
		{column{Type: "int"}, "int32"},
		{column{Type: "bigint"}, "int64"},
		{column{Type: "real"}, "float32"},
		{column{Type: "float"}, "float64"},
		{column{Type: "decimal", Precision: 38, Scale: 0}, "decimal(38, 0)"},
		{column{Type: "numeric", Precision: 5, Scale: 2}, "decimal(5, 2)"},
		{column{Type: "money"}, "decimal(19, 4)"},
		{column{Type: "smallmoney"}, "decimal(10, 4)"},
		{column{Type: "varchar", MaxLength: -1}, "utf8"},
		{column{Type: "nvarchar", MaxLength: 20}, "utf8"},
		{column{Type: "xml", MaxLength: -1}, "utf8"},
		{column{Type: "uniqueidentifier"}, "utf8"},
		{column{Type: "varbinary", MaxLength: -1}, "binary"},
		{column{Type: "timestamp"}, "int64"},
		{column{Type: "rowversion"}, "int64"},
		{column{Type: "date"}, "date32"},
		{column{Type: "time", Scale: 7}, "time64[ns]"},
		{column{Type: "time", Scale: 3}, "time64[us]"},
		{column{Type: "datetime2", Scale: 0}, "timestamp[s]"},
		{column{Type: "datetime2", Scale: 7}, "timestamp[ns]"},
		{column{Type: "datetime"}, "timestamp[ns]"},
		{column{Type: "smalldatetime"}, "timestamp[s]"},
		{column{Type: "datetimeoffset", Scale: 7}, "timestamp[ns, tz=UTC]"},
	} {
		f, err := tc.col.arrowField()
		if err != nil || f.Type.String() != tc.want {
			t.Errorf("%s: got %v, %v; want %s", tc.col.native(), f.Type, err, tc.want)
		}
	}
	for _, typ := range []string{"geography", "hierarchyid", "sql_variant"} {
		if _, err := (column{Name: "x", Type: typ}).arrowField(); sdk.CodeOf(err) != sdk.CodeSchema {
			t.Errorf("%s: got %v, want SCHEMA", typ, err)
		}
	}
	if n := (column{Type: "nvarchar", MaxLength: 40}).native(); n != "nvarchar(20)" {
		t.Errorf("nvarchar native: got %s, want nvarchar(20) (max_length is bytes)", n)
	}
}
