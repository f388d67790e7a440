package duckdb

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
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

// roundTripSchema has one column per logical type the connector maps.
var roundTripSchema = arrow.NewSchema([]arrow.Field{
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
	{Name: "dec_small", Type: &arrow.Decimal128Type{Precision: 9, Scale: 2}, Nullable: true},
	{Name: "str", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
	{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "tm", Type: arrow.FixedWidthTypes.Time64us, Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
	{Name: "tstz", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "id", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: meta(metaLogical, logicalUUID)},
	{Name: "doc", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: meta(metaLogical, logicalJSON)},
	{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "nums", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
}, nil)

func roundTripRecord(t *testing.T) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(memory.DefaultAllocator, roundTripSchema)
	defer b.Release()
	maxDec, _ := decimal128.FromString("9999999999999999999999999999.9999999999", 38, 10)
	ts := func(s string) arrow.Timestamp {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return arrow.Timestamp(v.UnixMicro())
	}
	date := func(s string) arrow.Date32 {
		v, _ := time.Parse(time.DateOnly, s)
		return arrow.Date32FromTime(v)
	}
	b.Field(0).(*array.Int8Builder).AppendValues([]int8{math.MinInt8, math.MaxInt8}, nil)
	b.Field(1).(*array.Int16Builder).AppendValues([]int16{math.MinInt16, math.MaxInt16}, nil)
	b.Field(2).(*array.Int32Builder).AppendValues([]int32{math.MinInt32, math.MaxInt32}, nil)
	b.Field(3).(*array.Int64Builder).AppendValues([]int64{math.MinInt64, math.MaxInt64}, nil)
	b.Field(4).(*array.Uint8Builder).AppendValues([]uint8{0, math.MaxUint8}, nil)
	b.Field(5).(*array.Uint16Builder).AppendValues([]uint16{0, math.MaxUint16}, nil)
	b.Field(6).(*array.Uint32Builder).AppendValues([]uint32{0, math.MaxUint32}, nil)
	b.Field(7).(*array.Uint64Builder).AppendValues([]uint64{0, math.MaxUint64}, nil)
	b.Field(8).(*array.Float32Builder).AppendValues([]float32{-1.5, math.MaxFloat32}, nil)
	b.Field(9).(*array.Float64Builder).AppendValues([]float64{-math.MaxFloat64, math.SmallestNonzeroFloat64}, nil)
	b.Field(10).(*array.Decimal128Builder).AppendValues([]decimal128.Num{maxDec, maxDec.Negate()}, nil)
	b.Field(11).(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(-99999999), decimal128.FromI64(12345)}, nil)
	b.Field(12).(*array.StringBuilder).AppendValues([]string{"héllo wörld 🦆 日本", ""}, nil)
	b.Field(13).(*array.BinaryBuilder).AppendValues([][]byte{{0, 1, 0xff}, {}}, nil)
	b.Field(14).(*array.Date32Builder).AppendValues([]arrow.Date32{date("1969-12-31"), date("2024-02-29")}, nil)
	b.Field(15).(*array.Time64Builder).AppendValues([]arrow.Time64{0, arrow.Time64((24*time.Hour - time.Microsecond) / time.Microsecond)}, nil)
	b.Field(16).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{ts("1969-07-20T20:17:40.123456Z"), ts("2038-01-19T03:14:08.000001Z")}, nil)
	b.Field(17).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{ts("1900-01-01T00:00:00.000001Z"), ts("2026-11-26T05:00:00.5Z")}, nil)
	b.Field(18).(*array.StringBuilder).AppendValues([]string{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "00000000-0000-0000-0000-000000000000"}, nil)
	b.Field(19).(*array.StringBuilder).AppendValues([]string{`{"a":[1,2.50,"x"],"b":null}`, `[]`}, nil)
	b.Field(20).(*array.BooleanBuilder).AppendValues([]bool{true, false}, nil)
	lb := b.Field(21).(*array.ListBuilder)
	lb.Append(true)
	lb.ValueBuilder().(*array.Int64Builder).Append(1)
	lb.ValueBuilder().AppendNull()
	lb.ValueBuilder().(*array.Int64Builder).Append(math.MaxInt64)
	lb.Append(true) // empty list
	// A third row of NULLs everywhere.
	for i := range roundTripSchema.NumFields() {
		b.Field(i).AppendNull()
	}
	rec := b.NewRecordBatch()
	t.Cleanup(rec.Release)
	return rec
}

func TestTypeRoundTrip(t *testing.T) {
	f := newFixture(t)
	rec := roundTripRecord(t)
	f.load(f.req("rt", "types", sdk.ModeAppend, roundTripSchema), rec)

	natives := f.rows(`SELECT column_name || ' ' || data_type FROM duckdb_columns() WHERE table_name = 'types'`)
	wantNatives := []string{"bin BLOB", "d DATE", "dec DECIMAL(38,10)", "dec_small DECIMAL(9,2)", "doc JSON",
		"f32 FLOAT", "f64 DOUBLE", "i16 SMALLINT", "i32 INTEGER", "i64 BIGINT", "i8 TINYINT", "id UUID",
		"nums BIGINT[]", "ok BOOLEAN", "str VARCHAR", "tm TIME", "ts TIMESTAMP", "tstz TIMESTAMP WITH TIME ZONE",
		"u16 USMALLINT", "u32 UINTEGER", "u64 UBIGINT", "u8 UTINYINT"}
	var gotNatives []string
	for _, r := range natives {
		gotNatives = append(gotNatives, r[0].(string))
	}
	if diff := cmp.Diff(wantNatives, gotNatives); diff != "" {
		t.Errorf("native types (-want +got):\n%s", diff)
	}
	if got := f.rows(`SELECT count(*) FROM landing.types WHERE str = '' AND bin = ''::BLOB`); got[0][0] != int64(1) {
		t.Errorf("empty string and blob: got %v rows, want 1 (empty is not NULL)", got[0][0])
	}

	w := &memWriter{}
	err := f.c.Read(context.Background(), sdk.ReadRequest{Config: f.cfg, Namespace: "landing", Stream: "types", Mode: sdk.ReadFull}, w)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if len(w.recs) != 1 {
		t.Fatalf("got %d records, want 1", len(w.recs))
	}
	got := w.recs[0]
	for i, fld := range roundTripSchema.Fields() {
		gf := got.Schema().Field(i)
		if gf.Name != fld.Name || !arrow.TypeEqual(gf.Type, fld.Type) {
			t.Errorf("column %d: got %s %s, want %s %s", i, gf.Name, gf.Type, fld.Name, fld.Type)
			continue
		}
		if want, _ := fld.Metadata.GetValue(metaLogical); want != "" {
			if lg, _ := gf.Metadata.GetValue(metaLogical); lg != want {
				t.Errorf("column %s: got logical %q, want %q", fld.Name, lg, want)
			}
		}
		for r := 0; r < int(rec.NumRows()); r++ {
			w, g := rec.Column(i).GetOneForMarshal(r), got.Column(i).GetOneForMarshal(r)
			if diff := cmp.Diff(w, g); diff != "" {
				t.Errorf("column %s row %d (-want +got):\n%s", fld.Name, r, diff)
			}
		}
	}
}
