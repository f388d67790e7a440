package bigquery

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	bqstorage "cloud.google.com/go/bigquery/storage/apiv1"
	"cloud.google.com/go/bigquery/storage/apiv1/storagepb"
	"github.com/apache/arrow-go/v18/arrow"
	bq "google.golang.org/api/bigquery/v2"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/dpone-go/dpone/sdk"
)

// Write APIs (sink option write_api).
const (
	writeLoadJob      = "load_job"
	writeStorageWrite = "storage_write"
)

// storageOptions are the client options of the Storage Read and Write
// APIs: storage_endpoint (plaintext, no authentication: an emulator) or
// the credentials.
func storageOptions(cfg Config) []option.ClientOption {
	if cfg.StorageEndpoint != "" {
		return []option.ClientOption{option.WithEndpoint(cfg.StorageEndpoint), option.WithoutAuthentication(),
			option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials()))}
	}
	return authOptions(cfg)
}

// writeStorage appends the records to the staging table through the
// Storage Write API: one COMMITTED-type write stream per Write, each
// AppendRows request at an explicit offset (BigQuery refuses a request
// at an offset already written, so nothing is appended twice) and at most
// maxRequestBytes of rows, up to appendWindow requests in flight. A failed
// request fails the Write: the host then aborts the load, which drops
// staging.
func (l *load) writeStorage(ctx context.Context, cl *clients, records sdk.RecordReader) (sdk.WriteResult, error) {
	desc, err := rowDescriptor(records.Schema())
	if err != nil {
		return sdk.WriteResult{}, err
	}
	if err := l.createStaging(ctx, cl, false); err != nil {
		return sdk.WriteResult{}, err
	}
	wc, err := bqstorage.NewBigQueryWriteClient(ctx, storageOptions(l.cfg)...)
	if err != nil {
		return sdk.WriteResult{}, sdk.Errorf(sdk.CodeAuth, "open bigquery storage write: %w: set credentials_file or GOOGLE_APPLICATION_CREDENTIALS", err)
	}
	defer wc.Close()
	ws, err := wc.CreateWriteStream(ctx, &storagepb.CreateWriteStreamRequest{
		Parent:      tablePath(l.cfg.Project, sdk.TableRef{Namespace: l.dataset, Name: l.stgTable}),
		WriteStream: &storagepb.WriteStream{Type: storagepb.WriteStream_COMMITTED},
	})
	if err != nil {
		return sdk.WriteResult{}, classify("bigquery sink: create write stream on "+l.staging, err)
	}
	stream, err := wc.AppendRows(ctx)
	if err != nil {
		return sdk.WriteResult{}, classify("bigquery sink: open append stream", err)
	}
	a := &appender{stream: stream, name: ws.GetName(), desc: &storagepb.ProtoSchema{ProtoDescriptor: desc}}
	res, err := a.appendAll(records)
	_ = stream.CloseSend()
	if err != nil {
		return res, err
	}
	if _, err := wc.FinalizeWriteStream(ctx, &storagepb.FinalizeWriteStreamRequest{Name: ws.GetName()}); err != nil {
		return res, classify("bigquery sink: finalize write stream", err)
	}
	return res, nil
}

// appendStream is what appender uses of an AppendRows stream.
type appendStream interface {
	Send(*storagepb.AppendRowsRequest) error
	Recv() (*storagepb.AppendRowsResponse, error)
}

// appender sends rows on one write stream.
type appender struct {
	stream appendStream
	name   string
	desc   *storagepb.ProtoSchema
	offset int64
	// pending are the offsets of the requests in flight, oldest first.
	pending []int64
	// limit bounds a request's serialized rows (maxRequestBytes when 0).
	limit int
	// window bounds the requests in flight (appendWindow when 0).
	window int
	// sizes are the serialized sizes of the requests sent (tests).
	sizes []int
}

// appendWindow is how many AppendRows requests one write stream keeps in
// flight.
const appendWindow = 4

// appendAll serializes every record's rows and sends them in requests of
// at most maxRequestBytes, up to appendWindow requests in flight, and
// returns once BigQuery acknowledged them all.
func (a *appender) appendAll(records sdk.RecordReader) (sdk.WriteResult, error) {
	var res sdk.WriteResult
	rb := &rowBatcher{limit: a.limit}
	if rb.limit == 0 {
		rb.limit = maxRequestBytes
	}
	for {
		rec, err := records.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, err
		}
		err = a.appendRecord(rb, rec, &res)
		rec.Release()
		if err != nil {
			return res, err
		}
	}
	if len(rb.rows) > 0 {
		if err := a.send(rb.take()); err != nil {
			return res, err
		}
	}
	return res, a.drain()
}

// appendRecord adds one record's rows, sending each full request.
func (a *appender) appendRecord(rb *rowBatcher, rec arrow.RecordBatch, res *sdk.WriteResult) error {
	cols := rec.Columns()
	for i := 0; i < int(rec.NumRows()); i++ {
		row, err := appendRow(nil, cols, i)
		if err != nil {
			return err
		}
		full, err := rb.add(row)
		if err != nil {
			return err
		}
		if full {
			if err := a.send(rb.take()); err != nil {
				return err
			}
		}
		rb.push(row)
		res.Rows++
		res.Bytes += int64(len(row))
	}
	return nil
}

// send appends rows at the stream's next offset without waiting for the
// answer; with appendWindow requests in flight it first waits for the
// oldest one's.
func (a *appender) send(rows [][]byte) error {
	window := a.window
	if window == 0 {
		window = appendWindow
	}
	if len(a.pending) >= window {
		if err := a.recv(); err != nil {
			return err
		}
	}
	req := &storagepb.AppendRowsRequest{
		WriteStream: a.name,
		Offset:      wrapperspb.Int64(a.offset),
		Rows: &storagepb.AppendRowsRequest_ProtoRows{ProtoRows: &storagepb.AppendRowsRequest_ProtoData{
			Rows: &storagepb.ProtoRows{SerializedRows: rows}}},
	}
	if a.desc != nil { // the first request of the connection carries the schema
		req.GetProtoRows().WriterSchema = a.desc
		a.desc = nil
	}
	a.sizes = append(a.sizes, protoSize(req))
	if err := a.stream.Send(req); err != nil {
		if errors.Is(err, io.EOF) { // the server ended the stream: its status says why
			if derr := a.drain(); derr != nil {
				return derr
			}
			_, err = a.stream.Recv()
		}
		return classify("bigquery sink: append rows at offset "+itoa(a.offset), err)
	}
	a.pending = append(a.pending, a.offset)
	a.offset += int64(len(rows))
	return nil
}

// drain waits for the answers of every request in flight.
func (a *appender) drain() error {
	for len(a.pending) > 0 {
		if err := a.recv(); err != nil {
			return err
		}
	}
	return nil
}

// recv reads the answer of the oldest request in flight (answers come in
// request order): a refusal fails the Write, naming the refused rows by
// offset. (The acknowledged offset is not compared: BigQuery gives the
// request's, the emulator the one after its rows.)
func (a *appender) recv() error {
	off := a.pending[0]
	a.pending = a.pending[1:]
	resp, err := a.stream.Recv()
	if err != nil {
		return classify("bigquery sink: append rows at offset "+itoa(off), err)
	}
	if e := resp.GetError(); e != nil {
		msg := e.GetMessage()
		for _, re := range resp.GetRowErrors() {
			msg += "; row " + itoa(off+re.GetIndex()) + ": " + re.GetMessage()
		}
		code := http.StatusBadRequest
		if len(resp.GetRowErrors()) == 0 && e.GetCode() != 3 { // 3: INVALID_ARGUMENT
			code = http.StatusInternalServerError
		}
		return classify("bigquery sink: append rows at offset "+itoa(off), &googleapi.Error{Code: code, Message: msg,
			Errors: []googleapi.ErrorItem{{Reason: map[bool]string{true: "invalid", false: "backendError"}[code == http.StatusBadRequest], Message: msg}}})
	}
	return nil
}

// createStaging creates the staging table of the load's staging schema
// (expiring after stagingTTL); an existing one is kept unless replace.
func (l *load) createStaging(ctx context.Context, cl *clients, replace bool) error {
	fields, err := stagingSchema(l.req.Schema)
	if err != nil {
		return err
	}
	if replace {
		if err := cl.bq.Tables.Delete(l.cfg.Project, l.dataset, l.stgTable).Context(ctx).Do(); err != nil && !isNotFound(err) {
			return classify("bigquery sink: replace staging "+l.staging, err)
		}
	}
	t := &bq.Table{TableReference: &bq.TableReference{ProjectId: l.cfg.Project, DatasetId: l.dataset, TableId: l.stgTable},
		Schema: &bq.TableSchema{Fields: fields}, ExpirationTime: time.Now().Add(stagingTTL).UnixMilli()}
	_, err = cl.bq.Tables.Insert(l.cfg.Project, l.dataset, t).Context(ctx).Do()
	var g *googleapi.Error
	if err != nil && !(errors.As(err, &g) && g.Code == http.StatusConflict && !replace) {
		return classify("bigquery sink: create staging "+l.staging, err)
	}
	return nil
}

// protoSize is a request's serialized size.
func protoSize(req *storagepb.AppendRowsRequest) int { return proto.Size(req) }

// itoa formats an int64.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
