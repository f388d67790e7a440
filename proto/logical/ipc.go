package logical

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

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
	if err := EncodeBatchTo(&buf, rec); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// EncodeBatchTo is EncodeBatch into buf, which it resets first: a caller
// that encodes batch after batch reuses one buffer instead of allocating
// (and zeroing) a new one each time. buf.Bytes() is the stream.
func EncodeBatchTo(buf *bytes.Buffer, rec arrow.RecordBatch) error {
	buf.Reset()
	buf.Grow(int(RecordBytes(rec)) + 1024)
	w := ipc.NewWriter(buf, ipc.WithSchema(rec.Schema()))
	if err := w.Write(rec); err != nil {
		return fmt.Errorf("encode arrow batch: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("encode arrow batch: %w", err)
	}
	return nil
}

// DecodeBatch reads the single record of an IPC stream made by EncodeBatch.
// The record's buffers alias b instead of copying it (a batch is decoded
// once per hop, at up to several hundred MB/s): b must not be modified
// while the record is in use. The caller releases the returned record;
// mem is unused and kept for compatibility.
func DecodeBatch(b []byte, mem memory.Allocator) (rec arrow.RecordBatch, err error) {
	defer func() {
		if p := recover(); p != nil {
			rec, err = nil, fmt.Errorf("decode arrow batch: malformed IPC stream: %v", p)
		}
	}()
	r, err := ipc.NewReaderFromMessageReader(&bytesMessageReader{b: b})
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
	rec = r.RecordBatch()
	rec.Retain()
	return rec, nil
}

// bytesMessageReader is an ipc.MessageReader over an IPC stream held in
// memory: every message's metadata and body are slices of b, not copies.
type bytesMessageReader struct {
	b   []byte
	msg *ipc.Message
}

// Message returns the next message; io.EOF at the end-of-stream marker or
// at the end of b.
func (r *bytesMessageReader) Message() (*ipc.Message, error) {
	if r.msg != nil {
		r.msg.Release()
		r.msg = nil
	}
	if len(r.b) < 4 {
		return nil, io.EOF
	}
	size, off := binary.LittleEndian.Uint32(r.b), 4
	if size == 0xFFFFFFFF { // continuation marker (format ≥ 0.15)
		if len(r.b) < 8 {
			return nil, io.ErrUnexpectedEOF
		}
		size, off = binary.LittleEndian.Uint32(r.b[4:]), 8
	}
	if size == 0 {
		return nil, io.EOF
	}
	if uint64(size) > uint64(len(r.b)-off) {
		return nil, fmt.Errorf("ipc message metadata of %d bytes overruns the stream", size)
	}
	meta := memory.NewBufferBytes(r.b[off : off+int(size)])
	probe := ipc.NewMessage(meta, memory.NewBufferBytes(nil))
	n := probe.BodyLen()
	probe.Release()
	start := off + int(size)
	if n < 0 || uint64(n) > uint64(len(r.b)-start) {
		return nil, fmt.Errorf("ipc message body of %d bytes overruns the stream", n)
	}
	body := r.b[start : start+int(n)]
	r.b = r.b[start+int(n):]
	r.msg = ipc.NewMessage(meta, memory.NewBufferBytes(body))
	return r.msg, nil
}

// Retain is a no-op: the reader owns no allocated memory.
func (r *bytesMessageReader) Retain() {}

// Release releases the last message returned.
func (r *bytesMessageReader) Release() {
	if r.msg != nil {
		r.msg.Release()
		r.msg = nil
	}
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
