package duckdb

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dpone-go/dpone/sdk"
)

var benchSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "qty", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "price", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "amount", Type: &arrow.Decimal128Type{Precision: 18, Scale: 4}, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "active", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "updated_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
}, nil)

// benchRecords makes n rows in records of batch rows (~1 MiB each).
func benchRecords(n, batch int) []arrow.RecordBatch {
	var recs []arrow.RecordBatch
	b := array.NewRecordBuilder(memory.DefaultAllocator, benchSchema)
	defer b.Release()
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	for i := 0; i < n; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.Int32Builder).Append(int32(i % 1000))
		b.Field(2).(*array.Float64Builder).Append(float64(i) * 0.25)
		b.Field(3).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i) * 12345))
		b.Field(4).(*array.StringBuilder).Append(fmt.Sprintf("customer-%08d", i))
		b.Field(5).(*array.BooleanBuilder).Append(i%2 == 0)
		b.Field(6).(*array.TimestampBuilder).Append(arrow.Timestamp(base + int64(i)*1000))
		b.Field(7).(*array.Date32Builder).Append(arrow.Date32(19000 + i%3000))
		if (i+1)%batch == 0 || i == n-1 {
			recs = append(recs, b.NewRecordBatch())
		}
	}
	return recs
}

// BenchmarkWrite stages 1M rows of 8 mixed columns per iteration and
// reports rows/s of Write (BeginLoad and AbortLoad are not timed).
func BenchmarkWrite(b *testing.B) {
	const rows = 1_000_000
	recs := benchRecords(rows, 16384)
	f := newFixture(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		req := f.req(fmt.Sprintf("bench-%d", i), "bench", sdk.ModeAppend, benchSchema)
		if _, err := f.c.BeginLoad(ctx, req); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		res, err := f.c.Write(ctx, req, &sliceReader{schema: benchSchema, recs: recs})
		elapsed += time.Since(start)
		if err != nil || res.Rows != rows {
			b.Fatalf("Write: %v, %d rows", err, res.Rows)
		}
		b.StopTimer()
		if err := f.c.AbortLoad(ctx, req); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(rows*b.N)/elapsed.Seconds(), "rows/s")
}
