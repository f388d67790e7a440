package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"slices"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// Native payload formats (protocol v1.2). Besides Arrow IPC, a source may
// emit a stream's rows in a native format and a sink of the same family may
// take them as they are: the host forwards the bytes untouched, with no
// Arrow decode or encode on either side. The host chooses a native format
// only when the stream lists it (Stream.PayloadFormats), the sink accepts
// it (PayloadDestination) and no host step needs the values (contracts,
// quarantine, quality gates, renames, dropped columns, a cursor).
const (
	// PayloadPGBinaryCopy is PostgreSQL's binary COPY format: each payload
	// holds whole tuples (a 16-bit field count, then per field a 32-bit
	// length, -1 for NULL, and the value in the type's binary send form),
	// in the order of the stream's schema, without the COPY header and
	// trailer. Each field's binary form is that of the field's native type
	// (MetaNative), so a sink can take it only into columns of the same
	// types.
	PayloadPGBinaryCopy = "pg-binary-copy"
)

// PayloadSource is a Source that can emit some streams in native payload
// formats. Discover and DescribeStream list, per stream, the formats a full
// Read of it can emit (Stream.PayloadFormats). Without it, every read is
// Arrow.
type PayloadSource interface {
	// PayloadFormats lists every format ReadPayload can emit.
	PayloadFormats() []string
	// ReadPayload is Read with the rows sent as payloads of format
	// through out.WritePayload, about out.BatchBytes() each, instead of
	// Arrow records. The host calls it only for a format the stream lists,
	// and for full reads (partitions included). Schema, checkpoints,
	// progress and logs work as in Read.
	ReadPayload(ctx context.Context, req ReadRequest, format string, out PayloadWriter) error
}

// PayloadWriter is where ReadPayload sends its output: a RecordWriter whose
// Write must not be called, plus WritePayload.
type PayloadWriter interface {
	RecordWriter
	// WritePayload sends rows rows in the read's format. The bytes are sent
	// before it returns; the caller may reuse them.
	WritePayload(data []byte, rows int64) error
}

// PayloadDestination is a Destination that accepts native payload formats
// in Write. Without it, every load is Arrow.
type PayloadDestination interface {
	// AcceptedPayloadFormats lists the formats WritePayload takes.
	AcceptedPayloadFormats() []string
	// AcceptPayload is called in BeginLoad, after the Destination's
	// BeginLoad created staging, when the host proposes format for the
	// load. It returns "" when the load's Writes can take the format,
	// else why not (e.g. a staging column's type differs from the
	// source's native type); the host then reads and writes Arrow.
	AcceptPayload(ctx context.Context, req LoadRequest, format string) (reason string, err error)
	// WritePayload is Write with payloads of an accepted format.
	WritePayload(ctx context.Context, req LoadRequest, format string, in PayloadReader) (WriteResult, error)
}

// PayloadReader yields the payloads the host sent to WritePayload.
type PayloadReader interface {
	// Next returns the next payload and its row count; data is valid
	// until the next call. It returns io.EOF after the last.
	Next() (data []byte, rows int64, err error)
}

// WritePayload sends one payload of the read's native format.
func (w *streamWriter) WritePayload(data []byte, rows int64) error {
	if err := w.nextPayload(); err != nil {
		return err
	}
	w.rows += rows
	return w.out.Send(&connectorv1.ReadMessage{Msg: &connectorv1.ReadMessage_Batch{
		Batch: &connectorv1.Batch{Payload: data, Rows: rows}}})
}

// nextPayload checks and counts a payload about to be written (sent or
// handed over).
func (w *streamWriter) nextPayload() error {
	if !w.schemaSent {
		return Errorf(CodeInternal, "source sent a payload before its schema: call Schema first")
	}
	w.batches++
	crashAt(w.batches, w.crashAt)
	return nil
}

var _ PayloadWriter = (*streamWriter)(nil)

// payloadSource returns the connector as a PayloadSource that emits format.
func (s *server) payloadSource(format string) (PayloadSource, error) {
	ps, ok := s.c.(PayloadSource)
	if !ok || !slices.Contains(ps.PayloadFormats(), format) {
		return nil, Errorf(CodeUnsupported, "connector %s cannot read payload format %q: read Arrow (leave payload_format empty)", s.spec.Name, format)
	}
	return ps, nil
}

// payloadDestination returns the connector as a PayloadDestination that
// accepts format.
func (s *server) payloadDestination(format string) (PayloadDestination, error) {
	pd, ok := s.c.(PayloadDestination)
	if !ok || !slices.Contains(pd.AcceptedPayloadFormats(), format) {
		return nil, Errorf(CodeUnsupported, "connector %s does not accept payload format %q: write Arrow (leave payload_format empty)", s.spec.Name, format)
	}
	return pd, nil
}

// acceptPayload answers BeginLoad's proposed payload format.
func (s *server) acceptPayload(ctx context.Context, lr LoadRequest, format string) (accepted, reason string, err error) {
	pd, err := s.payloadDestination(format)
	if err != nil {
		return "", "the sink does not accept " + format, nil
	}
	reason, err = pd.AcceptPayload(ctx, lr, format)
	if err != nil || reason != "" {
		return "", reason, err
	}
	return format, "", nil
}

// payloadStreamReader implements PayloadReader over a Write client stream.
type payloadStreamReader struct {
	in      connectorv1.Connector_WriteServer
	bytes   int64
	batches int
	crashAt int
	done    bool
}

func (r *payloadStreamReader) received() int64 { return r.bytes }

func (r *payloadStreamReader) Next() ([]byte, int64, error) {
	if r.done {
		return nil, 0, io.EOF
	}
	msg, err := r.in.Recv()
	if errors.Is(err, io.EOF) {
		r.done = true
		return nil, 0, io.EOF
	}
	if err != nil {
		return nil, 0, err
	}
	b := msg.GetBatch()
	if b == nil || len(b.GetArrowIpc()) > 0 {
		return nil, 0, Errorf(CodeInternal, "write stream of a payload load: expected payload batches after the header")
	}
	r.bytes += int64(len(b.GetPayload()))
	r.batches++
	crashAt(r.batches, r.crashAt)
	return b.GetPayload(), b.GetRows(), nil
}

// writePayload serves a Write stream whose header names a payload format.
func (s *server) writePayload(stream connectorv1.Connector_WriteServer, lr LoadRequest, format, handoff string) error {
	pd, err := s.payloadDestination(format)
	if err != nil {
		return stream.SendAndClose(&connectorv1.WriteResponse{Error: errorProto(err)})
	}
	var pr interface {
		PayloadReader
		received() int64
	} = &payloadStreamReader{in: stream, crashAt: faultAfterBatches(s.spec.Name, "write")}
	if id := handoff; id != "" {
		hr := &handoffReader{ctx: stream.Context(), id: id, h: s.handoffs.get(id, false), ended: watchEnd(stream),
			crashAt: faultAfterBatches(s.spec.Name, "write")}
		defer s.handoffs.leave(id, hr.h, false)
		pr = hr
	}
	res, err := pd.WritePayload(stream.Context(), lr, format, pr)
	if err == nil {
		for { // drain, as Write does
			if _, _, rerr := pr.Next(); rerr != nil {
				if !errors.Is(rerr, io.EOF) {
					err = rerr
				}
				break
			}
		}
	}
	if hr, ok := pr.(*handoffReader); ok {
		// The read stops waiting: every payload taken, or the write failed.
		hr.h.stopWrite(err)
		if err == nil && !hr.done {
			err = Errorf(CodeInternal, "write of handoff %s ended before the read's last payload", hr.id)
		}
	}
	if res.Bytes == 0 {
		res.Bytes = pr.received()
	}
	return stream.SendAndClose(&connectorv1.WriteResponse{Rows: res.Rows, Bytes: res.Bytes, Error: errorProto(err)})
}

// PayloadParquetFiles names local Parquet files instead of carrying rows:
// each payload is a ParquetFiles (JSON) whose Rows are the files' row
// counts, and a sink that accepts it reads the files itself (DuckDB's
// read_parquet). Source and sink run on the same machine (the host starts
// both), so the paths are valid on either side.
const PayloadParquetFiles = "parquet-files"

// ParquetFiles is one PayloadParquetFiles payload: the files to read whole,
// and the columns to take from them, in the stream schema's order.
type ParquetFiles struct {
	Files   []string `json:"files"`
	Columns []string `json:"columns"`
}

// Encode is the payload's bytes.
func (p ParquetFiles) Encode() []byte {
	b, _ := json.Marshal(p)
	return b
}

// DecodeParquetFiles reads a PayloadParquetFiles payload.
func DecodeParquetFiles(b []byte) (ParquetFiles, error) {
	var p ParquetFiles
	if err := json.Unmarshal(b, &p); err != nil || len(p.Files) == 0 || len(p.Columns) == 0 {
		return p, Errorf(CodeData, "payload %s: want {\"files\": [...], \"columns\": [...]}: %v", PayloadParquetFiles, err)
	}
	return p, nil
}
