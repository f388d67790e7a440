package sdk

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// BatchBuilder builds records of about RecordWriter.BatchBytes and writes
// each one when it is full, so a Source sizes its batches by bytes, not rows.
//
//	b := sdk.NewBatchBuilder(memory.DefaultAllocator, schema, out)
//	defer b.Release()
//	for rows.Next() {
//		b.Field(0).(*array.Int64Builder).Append(id)
//		if err := b.RowDone(); err != nil { return err }
//	}
//	return b.Flush()
//
// An incremental Source checkpoints after each batch with OnFlush:
//
//	b.OnFlush(func() error { return out.Checkpoint(cursorOf(lastRow)) })
type BatchBuilder struct {
	rb      *array.RecordBuilder
	out     RecordWriter
	target  int
	rows    int
	next    int
	onFlush func() error
}

// NewBatchBuilder returns a builder for schema that writes to out.
func NewBatchBuilder(mem memory.Allocator, schema *arrow.Schema, out RecordWriter) *BatchBuilder {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	return &BatchBuilder{rb: array.NewRecordBuilder(mem, schema), out: out, target: out.BatchBytes(), next: 64}
}

// Field returns the builder of column i.
func (b *BatchBuilder) Field(i int) array.Builder { return b.rb.Field(i) }

// Rows is the number of rows appended since the last flush.
func (b *BatchBuilder) Rows() int { return b.rows }

// RowDone records that one row was appended to every column; when the
// pending batch has reached the target size, it is written. The size is
// measured every so often, not on every row.
func (b *BatchBuilder) RowDone() error {
	b.rows++
	if b.rows < b.next {
		return nil
	}
	size := BuilderBytes(b.rb)
	if size >= b.target {
		return b.Flush()
	}
	per := max(size/b.rows, 1)
	b.next = b.rows + max((b.target-size)/per/4, 16)
	return nil
}

// OnFlush sets fn to run after every batch the builder writes (from
// RowDone or Flush), once the batch is on its way to the host: the place
// to call RecordWriter.Checkpoint with the state after the last row
// appended, so every checkpoint covers exactly the rows before it. An
// error from fn is returned by the RowDone or Flush that wrote the batch.
// A Flush with nothing pending writes nothing and does not run fn.
func (b *BatchBuilder) OnFlush(fn func() error) { b.onFlush = fn }

// Flush writes the pending rows, if any, then runs the OnFlush hook.
func (b *BatchBuilder) Flush() error {
	if b.rows == 0 {
		return nil
	}
	rec := b.rb.NewRecordBatch()
	defer rec.Release()
	b.rows, b.next = 0, 64
	if err := b.out.Write(rec); err != nil {
		return err
	}
	if b.onFlush != nil {
		return b.onFlush()
	}
	return nil
}

// Release frees the builder's memory.
func (b *BatchBuilder) Release() { b.rb.Release() }

// BuilderBytes estimates the bytes a RecordBuilder holds.
func BuilderBytes(rb *array.RecordBuilder) int {
	n := 0
	for _, f := range rb.Fields() {
		n += builderBytes(f)
	}
	return n
}

type dataLener interface{ DataLen() int }

func builderBytes(b array.Builder) int {
	l := b.Len()
	switch t := b.(type) {
	case dataLener:
		return t.DataLen() + 4*l
	case *array.BooleanBuilder:
		return l / 8
	case *array.ListBuilder:
		return builderBytes(t.ValueBuilder()) + 4*l
	case *array.StructBuilder:
		n := 0
		for i := 0; i < t.NumField(); i++ {
			n += builderBytes(t.FieldBuilder(i))
		}
		return n
	}
	if fw, ok := b.Type().(arrow.FixedWidthDataType); ok {
		return l * fw.BitWidth() / 8
	}
	return l * 8
}
