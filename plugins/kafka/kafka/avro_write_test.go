package kafka

import (
	"bytes"
	"fmt"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dpone-go/dpone/sdk"
)

// avroEdgeSchema holds the types and values where a hand-written Avro
// writer could go wrong: widths, units, signs, decimal byte lengths.
var avroEdgeSchema = arrow.NewSchema([]arrow.Field{
	{Name: "i8", Type: arrow.PrimitiveTypes.Int8},
	{Name: "u16", Type: arrow.PrimitiveTypes.Uint16, Nullable: true},
	{Name: "u32", Type: arrow.PrimitiveTypes.Uint32, Nullable: true},
	{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
	{Name: "fixed", Type: &arrow.FixedSizeBinaryType{ByteWidth: 3}, Nullable: true},
	{Name: "ls", Type: arrow.BinaryTypes.LargeString, Nullable: true},
	{Name: "ts_s", Type: &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"}, Nullable: true},
	{Name: "ts_ms", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
	{Name: "ts_ns", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "d9", Type: &arrow.Decimal128Type{Precision: 19, Scale: 0}, Nullable: true},
	{Name: "d38", Type: &arrow.Decimal128Type{Precision: 38, Scale: 3}, Nullable: true},
	{Name: "st", Type: arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64}), Nullable: true},
}, nil)

func avroEdgeRecord(t *testing.T) arrow.RecordBatch {
	decs := []int64{0, 1, -1, 127, 128, -128, -129, 255, -255, 256, 32767, -32768, -32769, math.MaxInt64, math.MinInt64 + 1, math.MinInt64}
	b := array.NewRecordBuilder(memory.DefaultAllocator, avroEdgeSchema)
	defer b.Release()
	big38, err := decimal128.FromString("-12345678901234567890123456789012345.678", 38, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range decs {
		b.Field(0).(*array.Int8Builder).Append(int8(i*37 - 128))
		b.Field(1).(*array.Uint16Builder).Append(uint16(65535 - i))
		b.Field(2).(*array.Uint32Builder).Append(uint32(math.MaxUint32 - i))
		b.Field(3).(*array.Float32Builder).Append(float32(i) * -1.25)
		b.Field(4).(*array.BinaryBuilder).Append(bytes.Repeat([]byte{byte(i)}, i))
		b.Field(5).(*array.FixedSizeBinaryBuilder).Append([]byte{1, 2, byte(i)})
		b.Field(6).(*array.LargeStringBuilder).Append(fmt.Sprint("large ", i))
		b.Field(7).(*array.TimestampBuilder).Append(arrow.Timestamp(int64(i-8) * 86399))
		b.Field(8).(*array.TimestampBuilder).Append(arrow.Timestamp(int64(i-8) * 1234567))
		b.Field(9).(*array.TimestampBuilder).Append(arrow.Timestamp(int64(i-8)*1234567891 + 1))
		b.Field(10).(*array.Decimal128Builder).Append(decimal128.FromI64(d))
		if i%2 == 0 {
			b.Field(11).(*array.Decimal128Builder).Append(big38)
		} else {
			b.Field(11).(*array.Decimal128Builder).Append(decimal128.FromI64(-d / 1000))
		}
		sb := b.Field(12).(*array.StructBuilder)
		sb.Append(true)
		sb.FieldBuilder(0).(*array.Int64Builder).Append(d)
	}
	for c := 1; c < avroEdgeSchema.NumFields(); c++ {
		b.Field(c).AppendNull()
	}
	b.Field(0).(*array.Int8Builder).Append(0)
	return b.NewRecordBatch()
}

// TestAvroWriterMatchesSerializer: the direct writer gives the bytes of
// the avrov2 serializer, row by row, for bench_src and the edge types.
func TestAvroWriterMatchesSerializer(t *testing.T) {
	_, url := newTestRegistry(t, "", "")
	cfg, err := decodeConfig(avroConfig(t, url, nil))
	if err != nil {
		t.Fatal(err)
	}
	lg := &sdk.Lineage{RunID: "run-7", LoadedAt: "2026-12-04T10:00:00.123456789Z", RunIDColumn: "_dpone_run_id", LoadedAtColumn: "_dpone_loaded_at"}
	bench := benchRecord(300)
	defer bench.Release()
	edge := avroEdgeRecord(t)
	defer edge.Release()
	for n, rec := range []arrow.RecordBatch{bench, edge} {
		e, err := newAvroEncoder(cfg, testTopic(fmt.Sprint("avro_writer_", n)), rec.Schema(), lg)
		if err != nil {
			t.Fatal(err)
		}
		if e.fast == nil {
			t.Fatalf("record %d: no direct writer for %s", n, rec.Schema())
		}
		fast := e.fast
		var got []byte
		for i := range int(rec.NumRows()) {
			e.fast = fast
			got, err = e.value(got, rec, i)
			if err != nil {
				t.Fatalf("record %d row %d: %v", n, i, err)
			}
			e.fast = nil
			want, err := e.value(nil, rec, i)
			if err != nil {
				t.Fatalf("record %d row %d: serializer: %v", n, i, err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("record %d row %d:\ngot  %x\nwant %x", n, i, got, want)
			}
		}
	}
}
