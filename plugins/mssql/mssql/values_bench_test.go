package mssql

import (
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// BenchmarkBulkValues measures dpone's side of the bulk copy: turning a
// record of mixed columns into driver values, per row (no server).
func BenchmarkBulkValues(b *testing.B) {
	const rows = 65536
	schema := testSchema()
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < rows; i++ {
		rb.Field(0).(*array.Int64Builder).Append(int64(i))
		rb.Field(1).(*array.StringBuilder).Append("item name")
		rb.Field(2).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i) * 12345))
		rb.Field(3).(*array.StringBuilder).Append("6f9619ff-8b86-d011-b42d-00c04fc964ff")
		ts, _ := arrow.TimestampFromTime(t0.Add(time.Duration(i)*time.Second), arrow.Microsecond)
		rb.Field(4).(*array.TimestampBuilder).Append(ts)
		rb.Field(5).(*array.BooleanBuilder).Append(i%2 == 0)
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	fields := schema.Fields()
	row := make([]any, len(fields))
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		for i := 0; i < rows; i++ {
			for j, f := range fields {
				v, err := bulkValue(f, rec.Column(j), i)
				if err != nil {
					b.Fatal(err)
				}
				row[j] = v
			}
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
