package kafka

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dpone-go/dpone/sdk"
)

// batcher builds records of about RecordWriter.BatchBytes from one
// builder per column and writes them. Unlike sdk.BatchBuilder it can
// flush the rows before a row that failed halfway (a poison message),
// whose partial values are dropped.
type batcher struct {
	schema  *arrow.Schema
	out     sdk.RecordWriter
	rb      *array.RecordBuilder
	project []int
	rows    int
	target  int
	onFlush func() error
}

func newBatcher(schema *arrow.Schema, columns []string, out sdk.RecordWriter) (*batcher, error) {
	b := &batcher{schema: schema, out: out, rb: array.NewRecordBuilder(memory.DefaultAllocator, schema), target: out.BatchBytes()}
	for _, c := range columns {
		idx := schema.FieldIndices(c)
		if len(idx) == 0 {
			b.rb.Release()
			return nil, sdk.Errorf(sdk.CodeSchema, "column %q is not in the stream (columns: %v)", c, fieldNames(schema))
		}
		b.project = append(b.project, idx[0])
	}
	return b, nil
}

// outSchema is the schema of the records written.
func (b *batcher) outSchema() *arrow.Schema {
	if b.project == nil {
		return b.schema
	}
	fs := make([]arrow.Field, len(b.project))
	for i, j := range b.project {
		fs[i] = b.schema.Field(j)
	}
	return arrow.NewSchema(fs, nil)
}

func (b *batcher) builder(i int) array.Builder { return b.rb.Field(i) }

// rowDone counts a complete row and writes the batch when it is full.
func (b *batcher) rowDone() error {
	b.rows++
	if b.rows%256 != 0 || sdk.BuilderBytes(b.rb) < b.target {
		return nil
	}
	return b.flush()
}

// flush writes the complete rows appended so far (dropping a partial row
// after them), then runs onFlush.
func (b *batcher) flush() error {
	if b.rows == 0 {
		for i := range b.schema.NumFields() {
			b.rb.Field(i).NewArray().Release()
		}
		return nil
	}
	n := b.rows
	cols := make([]arrow.Array, 0, b.schema.NumFields())
	for i := range b.schema.NumFields() {
		a := b.rb.Field(i).NewArray()
		if a.Len() > n {
			s := array.NewSlice(a, 0, int64(n))
			a.Release()
			a = s
		}
		cols = append(cols, a)
	}
	all := cols
	defer func() {
		for _, a := range all {
			a.Release()
		}
	}()
	b.rows = 0
	schema := b.schema
	if b.project != nil {
		sel := make([]arrow.Array, len(b.project))
		for i, j := range b.project {
			sel[i] = cols[j]
		}
		schema, cols = b.outSchema(), sel
	}
	rec := array.NewRecordBatch(schema, cols, int64(n))
	defer rec.Release()
	if err := b.out.Write(rec); err != nil {
		return err
	}
	if b.onFlush != nil {
		return b.onFlush()
	}
	return nil
}

func (b *batcher) release() { b.rb.Release() }

func fieldNames(s *arrow.Schema) []string {
	out := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		out[i] = f.Name
	}
	return out
}
