package postgres

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dpone-go/dpone/sdk"
)

// BenchmarkDecodeStream decodes a COPY stream of many 1 MiB batches, as a
// table read does: builders refill after every batch.
func BenchmarkDecodeStream(b *testing.B) {
	const rows = 200000
	rec := benchRecord(rows)
	defer rec.Release()
	stream := encodeStream(b, rec)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		bb := sdk.NewBatchBuilder(memory.DefaultAllocator, benchSchema(), &discard{})
		dec := newCopyDecoder(benchPlans, bb)
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
}
