package clickhouse

import (
	"fmt"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dpone-go/dpone/sdk"
)

// benchSchema is a typical landing row: a key, a nullable string, a
// nullable decimal and a timestamp.
var benchSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "amount", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}, Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond}},
}, nil)

// benchRecords are n rows in records of per rows; every tenth name and
// amount is NULL.
func benchRecords(n, per int) []arrow.RecordBatch {
	var out []arrow.RecordBatch
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for start := 0; start < n; start += per {
		b := array.NewRecordBuilder(memory.DefaultAllocator, benchSchema)
		for i := start; i < min(start+per, n); i++ {
			b.Field(0).(*array.Int64Builder).Append(int64(i))
			if i%10 == 0 {
				b.Field(1).AppendNull()
				b.Field(2).AppendNull()
			} else {
				b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("customer %d", i))
				b.Field(2).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i) * 125))
			}
			ts, _ := arrow.TimestampFromTime(base.Add(time.Duration(i)*time.Second), arrow.Microsecond)
			b.Field(3).(*array.TimestampBuilder).Append(ts)
		}
		out = append(out, b.NewRecordBatch())
		b.Release()
	}
	return out
}

// BenchmarkIngest compares the two native ingest paths for the same
// Arrow records into the same staging table: clickhouse-go's columnar
// batch (columnValues, Append, Send per record: the sink's path before,
// and still its path for the types blocks do not handle) and the sink's
// Write, which builds ch-go blocks aliasing the Arrow buffers
// (blockInput, one INSERT per record). 100k rows:
//
//	go test -run '^$' -bench Ingest -benchtime 5x ./clickhouse/
func BenchmarkIngest(b *testing.B) {
	f := newFixture(b)
	recs := benchRecords(100_000, 10_000)
	req := f.req("bench-ingest", "bench_ingest", sdk.ModeAppend, benchSchema)
	staging := qualified(testDB, sdk.StagingName(req.LoadID))
	sums := map[string]string{}
	sum := func(path string) {
		var s string
		f.scalar("SELECT toString((count(), sum(id), sum(amount), countIf(name IS NULL), sum(length(name)), sum(toUnixTimestamp64Micro(ts)))) FROM "+staging, &s)
		sums[path] = s
	}
	b.Run("clickhouse-go", func(b *testing.B) {
		for range b.N {
			if _, err := f.c.BeginLoad(f.ctx, req); err != nil {
				b.Fatal(err)
			}
			for i, rec := range recs {
				ctx := ch.Context(f.ctx, ch.WithSettings(insertSettings(fmt.Sprintf("%s:%d", req.LoadID, i))))
				batch, err := f.conn().PrepareBatch(ctx, "INSERT INTO "+staging+" (id, name, amount, ts)")
				if err != nil {
					b.Fatal(err)
				}
				for c, fld := range benchSchema.Fields() {
					v, err := columnValues(fld, rec.Column(c), fld.Nullable)
					if err == nil {
						err = batch.Column(c).Append(v)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				if err := batch.Send(); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(100_000*b.N)/b.Elapsed().Seconds(), "rows/s")
		sum("clickhouse-go")
	})
	b.Run("ch-go", func(b *testing.B) {
		for range b.N {
			if _, err := f.c.BeginLoad(f.ctx, req); err != nil {
				b.Fatal(err)
			}
			if _, err := f.c.Write(f.ctx, req, &sliceReader{schema: benchSchema, recs: recs}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(100_000*b.N)/b.Elapsed().Seconds(), "rows/s")
		sum("ch-go")
	})
	if sums["clickhouse-go"] != sums["ch-go"] {
		b.Errorf("staged (count, sums) differ: clickhouse-go %s, ch-go %s", sums["clickhouse-go"], sums["ch-go"])
	}
}
