package clickhouse

import (
	"math"
	"sort"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

func meta(kv ...string) arrow.Metadata {
	var k, v []string
	for i := 0; i < len(kv); i += 2 {
		k, v = append(k, kv[i]), append(v, kv[i+1])
	}
	return arrow.NewMetadata(k, v)
}

// roundTripSchema has one column per Arrow type the sink maps losslessly
// back to the same Arrow type.
var roundTripSchema = arrow.NewSchema([]arrow.Field{
	{Name: "k", Type: arrow.PrimitiveTypes.Int32},
	{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
	{Name: "i16", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
	{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "u8", Type: arrow.PrimitiveTypes.Uint8, Nullable: true},
	{Name: "u16", Type: arrow.PrimitiveTypes.Uint16, Nullable: true},
	{Name: "u32", Type: arrow.PrimitiveTypes.Uint32, Nullable: true},
	{Name: "u64", Type: arrow.PrimitiveTypes.Uint64, Nullable: true},
	{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "dec", Type: &arrow.Decimal128Type{Precision: 38, Scale: 10}, Nullable: true},
	{Name: "dec76", Type: &arrow.Decimal256Type{Precision: 76, Scale: 30}, Nullable: true},
	{Name: "str", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
	{Name: "tsns", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "tstz", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "id", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: meta(sdk.MetaLogical, sdk.LogicalUUID)},
	{Name: "doc", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: meta(sdk.MetaLogical, sdk.LogicalJSON)},
	{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
}, nil)

func roundTripRecord(t *testing.T) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(memory.DefaultAllocator, roundTripSchema)
	defer b.Release()
	maxDec, _ := decimal128.FromString("9999999999999999999999999999.9999999999", 38, 10)
	dec76, err := decimal256.FromString("1234567890123456789012345678901234567890123456.123456789012345678901234567890", 76, 30)
	if err != nil {
		t.Fatal(err)
	}
	ts := func(s string, unit arrow.TimeUnit) arrow.Timestamp {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := arrow.TimestampFromTime(v, unit)
		return out
	}
	date := func(s string) arrow.Date32 {
		v, _ := time.Parse(time.DateOnly, s)
		return arrow.Date32FromTime(v)
	}
	valid := []bool{true, true, false}
	b.Field(0).(*array.Int32Builder).AppendValues([]int32{1, 2, 3}, nil)
	b.Field(1).(*array.Int8Builder).AppendValues([]int8{math.MinInt8, math.MaxInt8, 0}, valid)
	b.Field(2).(*array.Int16Builder).AppendValues([]int16{math.MinInt16, math.MaxInt16, 0}, valid)
	b.Field(3).(*array.Int32Builder).AppendValues([]int32{math.MinInt32, math.MaxInt32, 0}, valid)
	b.Field(4).(*array.Int64Builder).AppendValues([]int64{math.MinInt64, math.MaxInt64, 0}, valid)
	b.Field(5).(*array.Uint8Builder).AppendValues([]uint8{0, math.MaxUint8, 0}, valid)
	b.Field(6).(*array.Uint16Builder).AppendValues([]uint16{0, math.MaxUint16, 0}, valid)
	b.Field(7).(*array.Uint32Builder).AppendValues([]uint32{0, math.MaxUint32, 0}, valid)
	b.Field(8).(*array.Uint64Builder).AppendValues([]uint64{0, math.MaxUint64, 0}, valid)
	b.Field(9).(*array.Float32Builder).AppendValues([]float32{-1.5, math.MaxFloat32, 0}, valid)
	b.Field(10).(*array.Float64Builder).AppendValues([]float64{-math.MaxFloat64, math.SmallestNonzeroFloat64, 0}, valid)
	b.Field(11).(*array.Decimal128Builder).AppendValues([]decimal128.Num{maxDec, maxDec.Negate(), {}}, valid)
	b.Field(12).(*array.Decimal256Builder).AppendValues([]decimal256.Num{dec76, dec76.Negate(), {}}, valid)
	b.Field(13).(*array.StringBuilder).AppendValues([]string{"héllo wörld 🦆 日本 'q' \\ \x00", "", ""}, valid)
	b.Field(14).(*array.Date32Builder).AppendValues([]arrow.Date32{date("1900-01-01"), date("2299-12-31"), 0}, valid)
	b.Field(15).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{ts("1969-07-20T20:17:40.123456Z", arrow.Microsecond), ts("2262-04-11T23:47:16.854775Z", arrow.Microsecond), 0}, valid)
	b.Field(16).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{ts("1970-01-01T00:00:00.000000001Z", arrow.Nanosecond), ts("2024-02-29T12:34:56.123456789Z", arrow.Nanosecond), 0}, valid)
	b.Field(17).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{ts("1900-01-01T00:00:00Z", arrow.Millisecond), ts("2262-04-11T23:47:16.854Z", arrow.Millisecond), 0}, valid)
	b.Field(18).(*array.StringBuilder).AppendValues([]string{"123e4567-e89b-12d3-a456-426614174000", "ffffffff-ffff-ffff-ffff-ffffffffffff", ""}, valid)
	b.Field(19).(*array.StringBuilder).AppendValues([]string{`{"a": 22.00, "b": [1, "x", null]}`, `[]`, ""}, valid)
	b.Field(20).(*array.BooleanBuilder).AppendValues([]bool{true, false, false}, valid)
	return b.NewRecordBatch()
}

// TestRoundTrip loads every mapped type, edge values and NULLs, and reads
// the same Arrow types and values back.
func TestRoundTrip(t *testing.T) {
	f := newFixture(t)
	rec := roundTripRecord(t)
	defer rec.Release()
	f.load(f.req("rt-1", "roundtrip", sdk.ModeAppend, roundTripSchema), rec)
	w := &memWriter{}
	if err := f.c.Read(f.ctx, sdk.ReadRequest{Config: f.cfg, Namespace: testDB, Stream: "roundtrip", Mode: sdk.ReadFull}, w); err != nil {
		t.Fatal(err)
	}
	for i, want := range roundTripSchema.Fields() {
		got := w.schema.Field(i)
		if got.Name != want.Name || !arrow.TypeEqual(got.Type, want.Type) {
			t.Errorf("column %d: got %s %s, want %s %s", i, got.Name, got.Type, want.Name, want.Type)
		}
		if wl, _ := want.Metadata.GetValue(sdk.MetaLogical); wl != "" {
			if gl, _ := got.Metadata.GetValue(sdk.MetaLogical); gl != wl {
				t.Errorf("column %s: logical type %q, want %q", want.Name, gl, wl)
			}
		}
	}
	var want [][]any
	for r := range int(rec.NumRows()) {
		row := make([]any, rec.NumCols())
		for c := range int(rec.NumCols()) {
			row[c] = rec.Column(c).GetOneForMarshal(r)
		}
		want = append(want, row)
	}
	got := w.values()
	sort.Slice(got, func(i, j int) bool { return got[i][0].(int32) < got[j][0].(int32) })
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("round trip (-loaded +read):\n%s", d)
	}
}

// TestTypeLoss: the notes come from the same map as the DDL.
func TestTypeLoss(t *testing.T) {
	c := New().(*Connector)
	for _, tc := range []struct {
		f    arrow.Field
		typ  string
		loss bool
	}{
		{arrow.Field{Name: "i", Type: arrow.PrimitiveTypes.Int64}, "Int64", false},
		{arrow.Field{Name: "d", Type: &arrow.Decimal256Type{Precision: 76, Scale: 2}}, "Decimal(76, 2)", false},
		{arrow.Field{Name: "j", Type: arrow.BinaryTypes.String, Metadata: meta(sdk.MetaLogical, sdk.LogicalJSON)}, "String", true},
		{arrow.Field{Name: "day", Type: arrow.FixedWidthTypes.Date32}, "Date32", true},
		{arrow.Field{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "Europe/Paris"}}, "DateTime64(6, 'UTC')", true},
		{arrow.Field{Name: "b", Type: arrow.BinaryTypes.Binary}, "String", true},
	} {
		typ, loss, err := chType(tc.f)
		if err != nil || typ != tc.typ {
			t.Errorf("%s: got %s %v, want %s", tc.f.Type, typ, err, tc.typ)
		}
		if got := c.TypeLoss(tc.f); (got != "") != tc.loss || got != loss {
			t.Errorf("%s: TypeLoss %q, want a note: %v (and the map's note %q)", tc.f.Type, got, tc.loss, loss)
		}
	}
	if _, _, err := chType(arrow.Field{Name: "m", Type: arrow.MapOf(arrow.ListOf(arrow.BinaryTypes.String), arrow.PrimitiveTypes.Int64)}); sdk.CodeOf(err) != sdk.CodeSchema {
		t.Errorf("map keyed by lists: got %v, want a SCHEMA error", err)
	}
}

// TestListLoads: a list column becomes Array(Nullable(T)); NULL elements
// are kept, a NULL list is an empty array.
func TestListLoads(t *testing.T) {
	f := newFixture(t)
	schema := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int32},
		{Name: "nums", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
		{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.Int32Builder).AppendValues([]int32{1, 2, 3}, nil)
	nums, tags := b.Field(1).(*array.ListBuilder), b.Field(2).(*array.ListBuilder)
	nv, tv := nums.ValueBuilder().(*array.Int64Builder), tags.ValueBuilder().(*array.StringBuilder)
	nums.Append(true)
	nv.AppendValues([]int64{1, math.MaxInt64}, nil)
	nv.AppendNull()
	nums.Append(true) // empty
	nums.AppendNull()
	tags.Append(true)
	tv.AppendValues([]string{"a", "b'c"}, nil)
	tags.AppendNull()
	tags.Append(true)
	tv.AppendNull()
	rec := b.NewRecordBatch()
	defer rec.Release()
	f.load(f.req("list-1", "lists", sdk.ModeAppend, schema), rec)
	var typ string
	f.scalar("SELECT type FROM system.columns WHERE database = '"+testDB+"' AND table = 'lists' AND name = 'nums'", &typ)
	if typ != "Array(Nullable(Int64))" {
		t.Errorf("nums: got %s, want Array(Nullable(Int64))", typ)
	}
	var got string
	f.scalar("SELECT toString(groupArray((k, nums, tags))) FROM (SELECT * FROM "+quote(testDB)+".lists ORDER BY k)", &got)
	want := `[(1,[1,9223372036854775807,NULL],['a','b\'c']),(2,[],[]),(3,[],[NULL])]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestTimeRange: dates and instants ClickHouse or the driver cannot hold
// are refused with a DATA error, never stored clamped or wrapped.
func TestTimeRange(t *testing.T) {
	f := newFixture(t)
	schema := arrow.NewSchema([]arrow.Field{{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	late, _ := arrow.TimestampFromTime(time.Date(2299, 12, 31, 0, 0, 0, 0, time.UTC), arrow.Millisecond)
	b.Field(0).(*array.TimestampBuilder).Append(late)
	rec := b.NewRecordBatch()
	defer rec.Release()
	r := f.req("range-1", "range", sdk.ModeAppend, schema)
	if _, err := f.c.BeginLoad(f.ctx, r); err != nil {
		t.Fatal(err)
	}
	_, err := f.c.Write(f.ctx, r, &sliceReader{schema: schema, recs: []arrow.RecordBatch{rec}})
	if sdk.CodeOf(err) != sdk.CodeData {
		t.Errorf("Write of 2299-12-31 into DateTime64(3): got %v, want a DATA error", err)
	}
}
