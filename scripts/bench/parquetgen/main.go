// Command parquetgen writes a PostgreSQL table of the benchmark (bench_src)
// to a Parquet file with arrow-go's pqarrow, so that the file→postgres
// benchmark loads exactly the rows the other scenarios copy.
//
//	go run ./scripts/bench/parquetgen -dsn postgres://... -table bench_src -out bench_src.parquet
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/jackc/pgx/v5"
)

func main() {
	dsn := flag.String("dsn", os.Getenv("DPONE_TEST_PG_DSN"), "PostgreSQL DSN of the database holding the table")
	table := flag.String("table", "bench_src", "table to export")
	out := flag.String("out", "bench_src.parquet", "Parquet file to write")
	flag.Parse()
	if err := run(context.Background(), *dsn, *table, *out); err != nil {
		fmt.Fprintln(os.Stderr, "parquetgen:", err)
		os.Exit(1)
	}
}

func meta(kv ...string) arrow.Metadata { return arrow.NewMetadata(kv[:len(kv)/2], kv[len(kv)/2:]) }

var schema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "qty", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "price", Type: &arrow.Decimal128Type{Precision: 18, Scale: 4}, Nullable: true},
	{Name: "title", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "code", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "active", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "created_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "attrs", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: meta("dpone.logical", "json")},
	{Name: "ref", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: meta("dpone.logical", "uuid")},
}, nil)

const batchRows = 65536

func run(ctx context.Context, dsn, table, out string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(ctx)
	f, err := os.Create(out + ".tmp")
	if err != nil {
		return err
	}
	defer f.Close()
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithMaxRowGroupLength(1<<20))
	w, err := pqarrow.NewFileWriter(schema, f, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return fmt.Errorf("parquet writer: %w", err)
	}
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	rows, err := conn.Query(ctx, "SELECT id, qty, price::text, title, code, active, created_at, day, attrs::text, ref::text FROM "+
		pgx.Identifier{table}.Sanitize()+" ORDER BY id")
	if err != nil {
		return fmt.Errorf("query %s: %w", table, err)
	}
	defer rows.Close()
	var (
		id                 int64
		qty                *int32
		price, title, code *string
		active             *bool
		created, day       *time.Time
		attrs, ref         *string
		n, pending         int
	)
	for rows.Next() {
		if err := rows.Scan(&id, &qty, &price, &title, &code, &active, &created, &day, &attrs, &ref); err != nil {
			return fmt.Errorf("scan: %w", err)
		}
		rb.Field(0).(*array.Int64Builder).Append(id)
		appendPtr(rb.Field(1).(*array.Int32Builder), qty)
		db := rb.Field(2).(*array.Decimal128Builder)
		if price == nil {
			db.AppendNull()
		} else {
			d, err := decimal128.FromString(*price, 18, 4)
			if err != nil {
				return fmt.Errorf("price %q: %w", *price, err)
			}
			db.Append(d)
		}
		appendString(rb.Field(3).(*array.StringBuilder), title)
		appendString(rb.Field(4).(*array.StringBuilder), code)
		appendPtr(rb.Field(5).(*array.BooleanBuilder), active)
		tb := rb.Field(6).(*array.TimestampBuilder)
		if created == nil {
			tb.AppendNull()
		} else {
			tb.Append(arrow.Timestamp(created.UnixMicro()))
		}
		dd := rb.Field(7).(*array.Date32Builder)
		if day == nil {
			dd.AppendNull()
		} else {
			dd.Append(arrow.Date32FromTime(*day))
		}
		appendString(rb.Field(8).(*array.StringBuilder), attrs)
		appendString(rb.Field(9).(*array.StringBuilder), ref)
		n++
		if pending++; pending == batchRows {
			if err := flush(w, rb); err != nil {
				return err
			}
			pending = 0
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("query %s: %w", table, err)
	}
	if pending > 0 {
		if err := flush(w, rb); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("close parquet: %w", err)
	}
	if err := os.Rename(out+".tmp", out); err != nil {
		return err
	}
	fmt.Printf("parquetgen: %d rows of %s -> %s\n", n, table, out)
	return nil
}

func flush(w *pqarrow.FileWriter, rb *array.RecordBuilder) error {
	rec := rb.NewRecordBatch()
	defer rec.Release()
	if err := w.WriteBuffered(rec); err != nil {
		return fmt.Errorf("write parquet: %w", err)
	}
	return nil
}

type appender[T any] interface {
	Append(T)
	AppendNull()
}

func appendPtr[T any](b appender[T], v *T) {
	if v == nil {
		b.AppendNull()
		return
	}
	b.Append(*v)
}

func appendString(b *array.StringBuilder, v *string) {
	if v == nil {
		b.AppendNull()
		return
	}
	b.Append(*v)
}
