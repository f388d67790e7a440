package bigquery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	bqstorage "cloud.google.com/go/bigquery/storage/apiv1"
	"cloud.google.com/go/bigquery/storage/apiv1/storagepb"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/dpone-go/dpone/sdk"
)

// partition is a Read's share of a stream: one Storage Read API stream of
// a read session created by Partition.
type partition struct {
	Stream string `json:"stream"`
	// Schema is the session's serialized Arrow schema: batches come
	// without it.
	Schema []byte `json:"schema"`
}

// tablePath is the Storage Read API name of a table.
func tablePath(project string, t sdk.TableRef) string {
	return fmt.Sprintf("projects/%s/datasets/%s/tables/%s", project, t.Namespace, t.Name)
}

// newReadClient opens the Storage Read API (gRPC).
func newReadClient(ctx context.Context, cfg Config) (*bqstorage.BigQueryReadClient, error) {
	rc, err := bqstorage.NewBigQueryReadClient(ctx, storageOptions(cfg)...)
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeAuth, "open bigquery storage read: %w: set credentials_file or GOOGLE_APPLICATION_CREDENTIALS", err)
	}
	return rc, nil
}

// sessionRequest asks for an Arrow read session of the selected columns
// with up to n parallel streams.
func sessionRequest(project string, t sdk.TableRef, columns []string, n int) *storagepb.CreateReadSessionRequest {
	return &storagepb.CreateReadSessionRequest{
		Parent: "projects/" + project,
		ReadSession: &storagepb.ReadSession{
			Table:       tablePath(project, t),
			DataFormat:  storagepb.DataFormat_ARROW,
			ReadOptions: &storagepb.ReadSession_TableReadOptions{SelectedFields: columns},
		},
		MaxStreamCount: int32(n),
	}
}

// Partition creates one read session with up to n streams; each
// descriptor reads one stream, and together they read the table once from
// the session's snapshot. A query or incremental read, or a table read
// through tabledata.list, is one partition (an empty descriptor).
func (c *Connector) Partition(ctx context.Context, req sdk.ReadRequest, n int) ([][]byte, error) {
	s, err := resolveSource(req)
	if err != nil {
		return nil, err
	}
	whole := [][]byte{[]byte("{}")}
	if s.byQuery() || s.restOnly() {
		return whole, nil
	}
	rc, err := newReadClient(ctx, s.cfg)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	sess, err := rc.CreateReadSession(ctx, sessionRequest(s.cfg.Project, s.table, req.Columns, n))
	if err != nil {
		if s.opts.ReadAPI == readAuto && storageUnavailable(err) {
			return whole, nil
		}
		return nil, classify("create read session for "+s.name(), err)
	}
	out := make([][]byte, 0, len(sess.Streams))
	for _, st := range sess.Streams {
		b, _ := json.Marshal(partition{Stream: st.Name, Schema: sess.GetArrowSchema().GetSerializedSchema()})
		out = append(out, b)
	}
	if len(out) == 0 { // an empty table has no stream
		return whole, nil
	}
	return out, nil
}

// restOnly reports a table read that goes straight to tabledata.list:
// read_api rest, or auto with an endpoint override (an emulator: the
// Storage Read API client has no endpoint override).
func (s *source) restOnly() bool {
	return s.opts.ReadAPI == readREST || s.opts.ReadAPI == readAuto && s.cfg.Endpoint != ""
}

// storageUnavailable reports a Storage Read API refusal that
// tabledata.list may not share: the API is not enabled or not served
// (Unimplemented), or the credentials may not create read sessions.
func storageUnavailable(err error) bool {
	switch status.Code(err) {
	case codes.Unimplemented, codes.PermissionDenied:
		return true
	}
	return false
}

// Read reads a stream: a query or an incremental read through a query
// job (readQuery), a table through the Storage Read API in Arrow format
// (one stream of a partition, or a single-stream session), or through
// tabledata.list when that API is unavailable.
func (c *Connector) Read(ctx context.Context, req sdk.ReadRequest, out sdk.RecordWriter) error {
	s, err := resolveSource(req)
	if err != nil {
		return err
	}
	var p partition
	if len(req.Partition) > 0 {
		if err := json.Unmarshal(req.Partition, &p); err != nil {
			return sdk.Errorf(sdk.CodeConfig, "bigquery source: partition descriptor: %w", err)
		}
	}
	if s.byQuery() || p.Stream == "" && s.restOnly() {
		return readByREST(ctx, s, out)
	}
	rc, err := newReadClient(ctx, s.cfg)
	if err != nil {
		return err
	}
	defer rc.Close()
	var schemaBytes []byte
	if p.Stream == "" {
		sess, err := rc.CreateReadSession(ctx, sessionRequest(s.cfg.Project, s.table, req.Columns, 1))
		if err != nil {
			if s.opts.ReadAPI == readAuto && storageUnavailable(err) {
				_ = out.Log(sdk.LevelWarn, fmt.Sprintf("bigquery source %s: the Storage Read API is unavailable (%v): reading with tabledata.list, which is slower; enable the BigQuery Storage API or grant bigquery.readsessions.create", s.name(), err))
				return readByREST(ctx, s, out)
			}
			return classify("create read session for "+s.name(), err)
		}
		schemaBytes = sess.GetArrowSchema().GetSerializedSchema()
		if len(sess.Streams) == 0 { // an empty table has no stream
			sch, err := decodeSchema(schemaBytes)
			if err != nil {
				return err
			}
			return out.Schema(sch)
		}
		p.Stream = sess.Streams[0].Name
		_ = out.Progress(0, sess.EstimatedRowCount)
	} else {
		schemaBytes = p.Schema
	}
	dec := &batchDecoder{schema: schemaBytes}
	var offset int64
	for {
		rs, err := rc.ReadRows(ctx, &storagepb.ReadRowsRequest{ReadStream: p.Stream, Offset: offset})
		if err != nil {
			return classify("read rows", err)
		}
		done, n, err := readStream(rs.Recv, dec, out)
		offset += n
		if done {
			return err
		}
		// A broken stream resumes at the offset it reached.
	}
}

// readByREST reads through the REST API: a query job's results, or
// tabledata.list.
func readByREST(ctx context.Context, s *source, out sdk.RecordWriter) error {
	svc, err := newBQService(ctx, s.cfg)
	if err != nil {
		return err
	}
	if s.byQuery() {
		return readQuery(ctx, svc, s, out)
	}
	return readTableREST(ctx, svc, s, out)
}

// recordSink is what readStream uses of an sdk.RecordWriter.
type recordSink interface {
	Write(rec arrow.RecordBatch) error
}

// readStream forwards every response's batch; done is false when the
// stream broke with a retryable error after progress.
func readStream(recv func() (*storagepb.ReadRowsResponse, error), dec *batchDecoder, out recordSink) (done bool, rows int64, err error) {
	for {
		resp, err := recv()
		if errors.Is(err, io.EOF) {
			return true, rows, nil
		}
		if err != nil {
			err = classify("read rows", err)
			return !(sdk.IsRetryable(err) && rows > 0), rows, err
		}
		rec, err := dec.decode(resp.GetArrowRecordBatch().GetSerializedRecordBatch())
		if err != nil {
			return true, rows, err
		}
		err = out.Write(rec)
		rows += rec.NumRows()
		rec.Release()
		if err != nil {
			return true, rows, err
		}
	}
}

// batchDecoder turns the Storage Read API's serialized Arrow batches
// (IPC messages without the schema) into records of the session schema.
type batchDecoder struct {
	schema []byte
	buf    bytes.Buffer
}

// decode reads one serialized record batch.
func (d *batchDecoder) decode(batch []byte) (arrow.RecordBatch, error) {
	d.buf.Reset()
	d.buf.Write(d.schema)
	d.buf.Write(batch)
	r, err := ipc.NewReader(bytes.NewReader(d.buf.Bytes()))
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeData, "decode arrow batch: %w", err)
	}
	defer r.Release()
	if !r.Next() {
		if err := r.Err(); err != nil {
			return nil, sdk.Errorf(sdk.CodeData, "decode arrow batch: %w", err)
		}
		return nil, sdk.Errorf(sdk.CodeData, "decode arrow batch: no record in the message")
	}
	rec := r.RecordBatch()
	rec.Retain()
	return rec, nil
}

// decodeSchema reads a serialized Arrow schema.
func decodeSchema(b []byte) (*arrow.Schema, error) {
	r, err := ipc.NewReader(bytes.NewReader(b))
	if err != nil && !strings.Contains(err.Error(), "EOF") {
		return nil, sdk.Errorf(sdk.CodeData, "decode arrow schema: %w", err)
	}
	if r == nil {
		return nil, sdk.Errorf(sdk.CodeData, "decode arrow schema: empty")
	}
	defer r.Release()
	return r.Schema(), nil
}
