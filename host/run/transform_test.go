package run

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector/v1convert"
	"github.com/dpone-go/dpone/host/schema"
)

// TestContractForwardsPassingBatches: under a data contract, a batch whose
// rows all pass goes to the sink as the source sent it (the same bytes,
// not a re-encoding); a batch with a bad row is split, and only its good
// rows go on.
func TestContractForwardsPassingBatches(t *testing.T) {
	as := arrow.NewSchema([]arrow.Field{{Name: "qty", Type: arrow.PrimitiveTypes.Int64}}, nil)
	batch := func(vals ...int64) catalog.Batch {
		b := array.NewRecordBuilder(memory.DefaultAllocator, as)
		defer b.Release()
		b.Field(0).(*array.Int64Builder).AppendValues(vals, nil)
		rec := b.NewRecordBatch()
		defer rec.Release()
		enc, err := v1convert.EncodeBatch(rec)
		if err != nil {
			t.Fatal(err)
		}
		return catalog.Batch{ArrowIPC: enc, Rows: int64(len(vals))}
	}
	checker, err := schema.NewChecker(&schema.Contract{Enforcement: schema.EnforceStrict,
		Columns: []*schema.ColumnRule{{Name: "qty", Min: "0"}}}, as)
	if err != nil {
		t.Fatal(err)
	}
	tr := &transformer{checker: checker, enforcement: schema.EnforceStrict}
	in := batch(1, 2, 3)
	out, q, err := tr.apply(t.Context(), in)
	if err != nil || q != 0 || out == nil {
		t.Fatalf("passing batch: out %v, quarantined %d, err %v", out, q, err)
	}
	if &out.ArrowIPC[0] != &in.ArrowIPC[0] || len(out.ArrowIPC) != len(in.ArrowIPC) || out.Rows != 3 {
		t.Errorf("a batch whose rows all pass was re-encoded (%d bytes in, %d out, %d rows)", len(in.ArrowIPC), len(out.ArrowIPC), out.Rows)
	}
	if _, _, err := tr.apply(t.Context(), batch(1, -1)); err == nil {
		t.Error("strict contract: a batch with qty -1 passed")
	}
}
