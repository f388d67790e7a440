package postgres

import (
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dpone-go/dpone/sdk"
)

// BenchmarkDecodeType and BenchmarkEncodeType measure the codecs one
// column type at a time (ns/row of that column alone), on the columns of
// benchRecord.
func BenchmarkDecodeType(b *testing.B) {
	const rows = 20000
	full := benchRecord(rows)
	defer full.Release()
	for i, p := range benchPlans {
		b.Run(p.field.Name, func(b *testing.B) {
			rec := oneColumn(full, i)
			defer rec.Release()
			stream := encodeStream(b, rec)
			plans := []colPlan{p}
			schema := rec.Schema()
			b.SetBytes(int64(len(stream)))
			b.ResetTimer()
			for b.Loop() {
				bb := sdk.NewBatchBuilder(memory.DefaultAllocator, schema, &discard{})
				dec := newCopyDecoder(plans, bb)
				for off := 0; off < len(stream); off += 64 << 10 {
					if _, err := dec.Write(stream[off:min(off+64<<10, len(stream))]); err != nil {
						b.Fatal(err)
					}
				}
				if err := bb.Flush(); err != nil {
					b.Fatal(err)
				}
				bb.Release()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
		})
	}
}

func BenchmarkEncodeType(b *testing.B) {
	const rows = 20000
	full := benchRecord(rows)
	defer full.Release()
	buf := make([]byte, 64<<10)
	for i, p := range benchPlans {
		b.Run(p.field.Name, func(b *testing.B) {
			rec := oneColumn(full, i)
			defer rec.Release()
			b.SetBytes(int64(len(encodeStream(b, rec))))
			b.ResetTimer()
			for b.Loop() {
				enc := newCopyEncoder(&sliceReader{recs: []arrow.RecordBatch{rec}}, nil)
				for {
					_, err := enc.Read(buf)
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
		})
	}
}

// oneColumn is column i of rec as a record of its own.
func oneColumn(rec arrow.RecordBatch, i int) arrow.RecordBatch {
	return array.NewRecordBatch(arrow.NewSchema([]arrow.Field{rec.Schema().Field(i)}, nil), []arrow.Array{rec.Column(i)}, rec.NumRows())
}
