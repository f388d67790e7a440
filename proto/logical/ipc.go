package logical

import (
	"bytes"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// SchemaMessage builds the protocol Schema for an Arrow schema: logical
// fields plus the Arrow schema itself as an IPC stream with no batches.
func SchemaMessage(s *arrow.Schema) (*connectorv1.Schema, error) {
	fields, err := FromArrow(s)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(s))
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encode arrow schema: %w", err)
	}
	return &connectorv1.Schema{Fields: fields, ArrowSchema: buf.Bytes()}, nil
}

// ArrowSchema returns the Arrow schema of a protocol Schema: the embedded
// IPC schema when present, else one built from the logical fields.
func ArrowSchema(s *connectorv1.Schema) (*arrow.Schema, error) {
	if len(s.GetArrowSchema()) > 0 {
		r, err := ipc.NewReader(bytes.NewReader(s.GetArrowSchema()))
		if err != nil {
			return nil, fmt.Errorf("decode arrow schema: %w", err)
		}
		defer r.Release()
		return r.Schema(), nil
	}
	return ToArrow(s.GetFields())
}

// EncodeBatch writes one record as a complete Arrow IPC stream.
func EncodeBatch(rec arrow.RecordBatch) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(int(RecordBytes(rec)) + 1024)
	w := ipc.NewWriter(&buf, ipc.WithSchema(rec.Schema()))
	if err := w.Write(rec); err != nil {
		return nil, fmt.Errorf("encode arrow batch: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encode arrow batch: %w", err)
	}
	return buf.Bytes(), nil
}

// DecodeBatch reads the single record of an IPC stream made by EncodeBatch.
// The caller releases the returned record.
func DecodeBatch(b []byte, mem memory.Allocator) (arrow.RecordBatch, error) {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	r, err := ipc.NewReader(bytes.NewReader(b), ipc.WithAllocator(mem))
	if err != nil {
		return nil, fmt.Errorf("decode arrow batch: %w", err)
	}
	defer r.Release()
	if !r.Next() {
		if err := r.Err(); err != nil {
			return nil, fmt.Errorf("decode arrow batch: %w", err)
		}
		return nil, fmt.Errorf("decode arrow batch: stream holds no record")
	}
	rec := r.RecordBatch()
	rec.Retain()
	return rec, nil
}

// RecordBytes estimates the in-memory size of a record's buffers.
func RecordBytes(rec arrow.RecordBatch) int64 {
	var n int64
	for _, c := range rec.Columns() {
		n += dataBytes(c.Data())
	}
	return n
}

func dataBytes(d arrow.ArrayData) int64 {
	var n int64
	for _, b := range d.Buffers() {
		if b != nil {
			n += int64(b.Len())
		}
	}
	for _, c := range d.Children() {
		n += dataBytes(c)
	}
	return n
}
