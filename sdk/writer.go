package sdk

import (
	"bytes"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/logical"
)

// LogLevel is the level of a Log message shown to the user by the host.
type LogLevel int

// Log levels.
const (
	LevelDebug LogLevel = iota + 1
	LevelInfo
	LevelWarn
	LevelError
)

// RecordWriter is where a Source's Read sends its output. It is not safe for
// concurrent use. Write encodes the record before it returns, so the caller
// may release it right after.
type RecordWriter interface {
	// Schema sends the stream's schema. It is sent once; Write sends it
	// implicitly when Schema was not called, and a Read that ends without
	// either is an error (an empty stream still has a schema).
	Schema(s *arrow.Schema) error
	// Write sends a record. Records larger than the batch size are split.
	Write(rec arrow.RecordBatch) error
	// Checkpoint marks every record written so far as a resume point; state
	// is opaque to the host and comes back as ReadRequest.PriorState.
	Checkpoint(state []byte) error
	// Progress reports rows done and the estimated total (0 when unknown).
	Progress(rows, estimate int64) error
	// Log sends a message the host shows to the user.
	Log(level LogLevel, msg string) error
	// BatchBytes is the size in bytes a record should have on the wire.
	BatchBytes() int
}

type readSender interface {
	Send(*connectorv1.ReadMessage) error
}

// streamWriter implements RecordWriter over a Read server stream.
type streamWriter struct {
	out        readSender
	batchBytes int
	schemaSent bool
	rows       int64
	batches    int
	crashAt    int
	// enc is the reused encode buffer: Send marshals the message before it
	// returns, so the next batch may overwrite it.
	enc bytes.Buffer
}

var _ RecordWriter = (*streamWriter)(nil)

func (w *streamWriter) BatchBytes() int { return w.batchBytes }

func (w *streamWriter) Schema(s *arrow.Schema) error {
	if w.schemaSent {
		return nil
	}
	msg, err := logical.SchemaMessage(s)
	if err != nil {
		return WithCode(CodeSchema, err)
	}
	w.schemaSent = true
	return w.out.Send(&connectorv1.ReadMessage{Msg: &connectorv1.ReadMessage_Schema{Schema: msg}})
}

func (w *streamWriter) Write(rec arrow.RecordBatch) error {
	if err := w.Schema(rec.Schema()); err != nil {
		return err
	}
	n := rec.NumRows()
	if n == 0 {
		return nil
	}
	size := logical.RecordBytes(rec)
	// Split records far above the batch size so no message nears the gRPC
	// limit; rows are assumed to be of similar width.
	chunks := int64(1)
	if limit := int64(w.batchBytes) * 2; size > limit {
		chunks = (size + int64(w.batchBytes) - 1) / int64(w.batchBytes)
	}
	step := (n + chunks - 1) / chunks
	for off := int64(0); off < n; off += step {
		end := min(off+step, n)
		part := rec
		if chunks > 1 {
			part = rec.NewSlice(off, end)
		}
		err := w.send(part)
		if chunks > 1 {
			part.Release()
		}
		if err != nil {
			return err
		}
	}
	w.rows += n
	return nil
}

func (w *streamWriter) send(rec arrow.RecordBatch) error {
	if err := logical.EncodeBatchTo(&w.enc, rec); err != nil {
		return err
	}
	b := w.enc.Bytes()
	w.batches++
	crashAt(w.batches, w.crashAt)
	return w.out.Send(&connectorv1.ReadMessage{Msg: &connectorv1.ReadMessage_Batch{
		Batch: &connectorv1.Batch{ArrowIpc: b, Rows: rec.NumRows()}}})
}

func (w *streamWriter) Checkpoint(state []byte) error {
	return w.out.Send(&connectorv1.ReadMessage{Msg: &connectorv1.ReadMessage_Checkpoint{
		Checkpoint: &connectorv1.Checkpoint{State: state}}})
}

func (w *streamWriter) Progress(rows, estimate int64) error {
	return w.out.Send(&connectorv1.ReadMessage{Msg: &connectorv1.ReadMessage_Progress{
		Progress: &connectorv1.Progress{Rows: rows, RowsEstimate: estimate}}})
}

func (w *streamWriter) Log(level LogLevel, msg string) error {
	return w.out.Send(&connectorv1.ReadMessage{Msg: &connectorv1.ReadMessage_Log{
		Log: &connectorv1.Log{Level: connectorv1.Log_Level(level), Message: msg}}})
}

func (w *streamWriter) finish() error {
	if !w.schemaSent {
		return Errorf(CodeInternal, "source sent no schema: call RecordWriter.Schema even for an empty stream")
	}
	return nil
}

// String describes the writer for debugging.
func (w *streamWriter) String() string {
	return fmt.Sprintf("streamWriter(rows=%d)", w.rows)
}
