package main

import (
	"os"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/rogpeppe/go-internal/testscript"
)

// parquetRows is the schema cmdParquet writes.
var parquetRows = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "qty", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "price", Type: &arrow.Decimal128Type{Precision: 18, Scale: 4}, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
}, nil)

// parquet FILE FROM TO: write rows with ids [FROM, TO) of a fixed mixed
// schema (NULLs in every nullable column now and then) to a Parquet file.
func cmdParquet(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: parquet FILE FROM TO")
	}
	from, err1 := strconv.Atoi(args[1])
	to, err2 := strconv.Atoi(args[2])
	if err1 != nil || err2 != nil {
		ts.Fatalf("parquet: FROM and TO are integers")
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, parquetRows)
	defer b.Release()
	base := time.Date(2026, 1, 1, 0, 0, 0, 123456000, time.UTC)
	for i := from; i < to; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		for c := 1; c < len(parquetRows.Fields()); c++ {
			if (i+c)%11 == 0 {
				b.Field(c).AppendNull()
				continue
			}
			switch fb := b.Field(c).(type) {
			case *array.Int32Builder:
				fb.Append(int32(i % 300))
			case *array.Float64Builder:
				fb.Append(float64(i) / 7)
			case *array.Decimal128Builder:
				fb.Append(decimal128.FromI64(int64(i) * 12345))
			case *array.StringBuilder:
				fb.Append("item " + strconv.Itoa(i) + " ✓")
			case *array.BooleanBuilder:
				fb.Append(i%2 == 0)
			case *array.Date32Builder:
				fb.Append(arrow.Date32FromTime(base.AddDate(0, 0, i)))
			case *array.TimestampBuilder:
				fb.Append(arrow.Timestamp(base.Add(time.Duration(i) * time.Minute).UnixMicro()))
			}
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	f, err := os.Create(ts.MkAbs(args[0]))
	ts.Check(err)
	w, err := pqarrow.NewFileWriter(parquetRows, f, parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy)),
		pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	ts.Check(err)
	ts.Check(w.Write(rec))
	ts.Check(w.Close())
}
