package sdk

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// discard is a RecordWriter that drops everything.
type discard struct{}

func (discard) Schema(*arrow.Schema) error    { return nil }
func (discard) Write(arrow.RecordBatch) error { return nil }
func (discard) Checkpoint([]byte) error       { return nil }
func (discard) Progress(int64, int64) error   { return nil }
func (discard) Log(LogLevel, string) error    { return nil }
func (discard) BatchBytes() int               { return 1 << 20 }

// BenchmarkCursorWriter passes 1M rows (batches of 16384 rows: a timestamp
// cursor, an id, a 20-byte string) through a CursorWriter; tie is how many
// rows share each cursor value. Compare with ns/row of a bare Write (0).
func BenchmarkCursorWriter(b *testing.B) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "v", Type: arrow.BinaryTypes.String},
	}, nil)
	for _, tie := range []int{1, 1000} {
		const rows, per = 1 << 20, 1 << 14
		var recs []arrow.RecordBatch
		rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		for i := range rows {
			rb.Field(0).(*array.TimestampBuilder).Append(arrow.Timestamp(1_700_000_000_000_000 + int64(i/tie)))
			rb.Field(1).(*array.Int64Builder).Append(int64(i))
			rb.Field(2).(*array.StringBuilder).Append("abcdefghijklmnopqrst")
			if (i+1)%per == 0 {
				recs = append(recs, rb.NewRecordBatch())
			}
		}
		rb.Release()
		b.Run(fmt.Sprintf("tie=%d", tie), func(b *testing.B) {
			c, err := NewCursor(CursorOptions{IncrementalColumn: "ts"}, ReadRequest{Mode: ReadIncremental}, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(rows * 36)
			for b.Loop() {
				w := c.Writer(discard{}, 0)
				for _, r := range recs {
					if err := w.Write(r); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Finish(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
		})
		for _, r := range recs {
			r.Release()
		}
	}
}
