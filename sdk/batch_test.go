package sdk

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// traceWriter records the calls a Source makes, in order.
type traceWriter struct {
	calls []string
	bytes int
}

func (w *traceWriter) Schema(*arrow.Schema) error { return nil }
func (w *traceWriter) Write(rec arrow.RecordBatch) error {
	last := rec.Column(0).(*array.Int64).Value(int(rec.NumRows()) - 1)
	w.calls = append(w.calls, fmt.Sprintf("write %d..%d", last-rec.NumRows()+1, last))
	return nil
}
func (w *traceWriter) Checkpoint(st []byte) error {
	w.calls = append(w.calls, "checkpoint "+string(st))
	return nil
}
func (w *traceWriter) Progress(int64, int64) error { return nil }
func (w *traceWriter) Log(LogLevel, string) error  { return nil }
func (w *traceWriter) BatchBytes() int             { return w.bytes }

// TestBatchBuilderOnFlush: the hook runs after every batch is written,
// so a checkpoint taken there covers exactly the rows written before it.
func TestBatchBuilderOnFlush(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil)
	w := &traceWriter{bytes: 1024} // 1024 bytes: 128 int64 ids
	b := NewBatchBuilder(nil, schema, w)
	defer b.Release()
	var last int64
	b.OnFlush(func() error { return w.Checkpoint([]byte(fmt.Sprint(last))) })
	for id := int64(1); id <= 300; id++ {
		b.Field(0).(*array.Int64Builder).Append(id)
		last = id
		if err := b.RowDone(); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(); err != nil { // nothing pending: no write, no hook
		t.Fatal(err)
	}
	if len(w.calls) < 4 || len(w.calls)%2 != 0 {
		t.Fatalf("calls: got %v, want write/checkpoint pairs over several batches", w.calls)
	}
	for i := 0; i < len(w.calls); i += 2 {
		var from, to int64
		if _, err := fmt.Sscanf(w.calls[i], "write %d..%d", &from, &to); err != nil {
			t.Fatalf("call %d: got %q, want a write", i, w.calls[i])
		}
		if want := fmt.Sprintf("checkpoint %d", to); w.calls[i+1] != want {
			t.Errorf("after %q: got %q, want %q", w.calls[i], w.calls[i+1], want)
		}
	}
	if got := w.calls[len(w.calls)-1]; !strings.HasSuffix(got, " 300") {
		t.Errorf("last call: got %q, want the checkpoint at 300", got)
	}
	// A failing hook fails the flush.
	b.OnFlush(func() error { return Errorf(CodeUnavailable, "state store down") })
	b.Field(0).(*array.Int64Builder).Append(301)
	if err := b.RowDone(); err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(); CodeOf(err) != CodeUnavailable {
		t.Errorf("flush with a failing hook: got %v, want its error", err)
	}
}
