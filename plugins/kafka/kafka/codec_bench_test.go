package kafka

import (
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/uuid"

	"github.com/dpone-go/dpone/sdk"
)

// benchSchema is the shape of make bench's bench_src table.
var benchSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "qty", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "price", Type: &arrow.Decimal128Type{Precision: 18, Scale: 4}, Nullable: true},
	{Name: "title", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "code", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "active", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "created_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "attrs", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: arrow.NewMetadata([]string{sdk.MetaLogical}, []string{sdk.LogicalJSON})},
	{Name: "ref", Type: extensions.NewUUIDType(), Nullable: true},
}, nil)

// benchRecord is n rows of benchSchema, every nullable column NULL in
// about 5% of the rows.
func benchRecord(n int) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, benchSchema)
	defer b.Release()
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		null := func(c int) bool { return (i*7+c*3)%20 == 0 }
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		for c := 1; c < benchSchema.NumFields(); c++ {
			if null(c) {
				b.Field(c).AppendNull()
				continue
			}
			switch c {
			case 1:
				b.Field(c).(*array.Int32Builder).Append(int32(i % 100000))
			case 2:
				b.Field(c).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i*7919%10000000000) - 2000000000))
			case 3:
				b.Field(c).(*array.StringBuilder).Append(fmt.Sprintf("title %x of row %d", i*2654435761, i))
			case 4:
				b.Field(c).(*array.StringBuilder).Append(fmt.Sprintf("SKU-%X", i%65536))
			case 5:
				b.Field(c).(*array.BooleanBuilder).Append(i%3 != 0)
			case 6:
				b.Field(c).(*array.TimestampBuilder).Append(arrow.Timestamp(base.Add(time.Duration(i) * 1234567 * time.Microsecond).UnixMicro()))
			case 7:
				b.Field(c).(*array.Date32Builder).Append(arrow.Date32FromTime(base.AddDate(0, 0, i%2190)))
			case 8:
				b.Field(c).(*array.StringBuilder).Append(fmt.Sprintf(`{"color": "red", "size": %d, "ok": %t}`, i%50, i%2 == 0))
			case 9:
				b.Field(c).(*extensions.UUIDBuilder).Append(uuid.NewSHA1(uuid.NameSpaceOID, fmt.Append(nil, i)))
			}
		}
	}
	return b.NewRecordBatch()
}

// BenchmarkEncodeJSON: the sink's JSON value and key of one bench_src row.
func BenchmarkEncodeJSON(b *testing.B) {
	rec := benchRecord(4096)
	defer rec.Release()
	enc, err := newRowEncoder(rec.Schema(), []string{"id"}, keyUniqueKey, nil)
	if err != nil {
		b.Fatal(err)
	}
	var key, value []byte
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		row := i % 4096
		if value, err = enc.value(value[:0], rec, row); err != nil {
			b.Fatal(err)
		}
		if key, err = enc.key(key, rec, row, value); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeJSON: the source's decoding of one bench_src JSON
// message into Arrow builders.
func BenchmarkDecodeJSON(b *testing.B) {
	rec := benchRecord(4096)
	defer rec.Release()
	enc, err := newRowEncoder(rec.Schema(), nil, keyNone, nil)
	if err != nil {
		b.Fatal(err)
	}
	values := make([][]byte, rec.NumRows())
	for i := range values {
		if values[i], err = enc.value(nil, rec, i); err != nil {
			b.Fatal(err)
		}
	}
	rb := array.NewRecordBuilder(memory.DefaultAllocator, benchSchema)
	defer rb.Release()
	bs := make([]array.Builder, benchSchema.NumFields())
	for i := range bs {
		bs[i] = rb.Field(i)
	}
	dec := newValueDecoder(benchSchema.Fields(), bs)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := dec.decode(values[i%len(values)]); err != nil {
			b.Fatal(err)
		}
		if i%4096 == 4095 {
			rb.NewRecordBatch().Release()
		}
	}
}
