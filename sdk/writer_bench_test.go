package sdk

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

type nopSender struct{}

func (nopSender) Send(*connectorv1.ReadMessage) error { return nil }

// BenchmarkStreamWriterSmallBatches sends 1-row batches through a Read
// stream's writer: the per-batch path where a fault hook would cost most.
// Compare go test -bench StreamWriter with and without -tags dpone_faults
// (release builds have no hook; see fault_off.go).
func BenchmarkStreamWriterSmallBatches(b *testing.B) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	bld := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	bld.Field(0).(*array.Int64Builder).Append(1)
	rec := bld.NewRecordBatch()
	defer rec.Release()
	w := &streamWriter{out: nopSender{}, batchBytes: 1 << 20, crashAt: faultAfterBatches("bench", "read")}
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Write(rec); err != nil {
			b.Fatal(err)
		}
	}
}
