package sdktest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/loadopts"
	"github.com/dpone-go/dpone/proto/logical"
)

// readResult is what one Read returned.
type readResult struct {
	schema *arrow.Schema
	rows   []row
	count  int64
	bytes  int64
	// checkpoints in order, with the number of rows before each.
	checkpoints []checkpointAt
	batches     int
	elapsed     time.Duration
	// err is the in-band error that ended the read, if any.
	err *connectorv1.Error
	// violations are protocol breaches (batch before schema, ...).
	violations []string
}

type checkpointAt struct {
	state []byte
	rows  int
}

// read runs one Read to its end. countOnly skips decoding values.
func read(ctx context.Context, cc connectorv1.ConnectorClient, req *connectorv1.ReadRequest, countOnly bool) (readResult, error) {
	var res readResult
	start := time.Now()
	rs, err := cc.Read(ctx, req)
	if err != nil {
		return res, fmt.Errorf("read %s: %w", req.GetStream(), err)
	}
	for {
		m, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, fmt.Errorf("read %s: %w", req.GetStream(), err)
		}
		if res.err != nil {
			res.violations = append(res.violations, "a message followed the terminal error")
		}
		switch x := m.GetMsg().(type) {
		case *connectorv1.ReadMessage_Schema:
			if res.schema != nil {
				res.violations = append(res.violations, "schema sent twice")
			}
			sc, err := logical.ArrowSchema(x.Schema)
			if err != nil {
				res.violations = append(res.violations, "undecodable schema: "+err.Error())
				continue
			}
			res.schema = sc
		case *connectorv1.ReadMessage_Batch:
			res.batches++
			if res.schema == nil {
				res.violations = append(res.violations, "batch before schema")
			}
			res.bytes += int64(len(x.Batch.GetArrowIpc()))
			if countOnly {
				res.count += x.Batch.GetRows()
				continue
			}
			rec, err := logical.DecodeBatch(x.Batch.GetArrowIpc(), nil)
			if err != nil {
				res.violations = append(res.violations, "undecodable batch: "+err.Error())
				continue
			}
			if x.Batch.GetRows() != rec.NumRows() {
				res.violations = append(res.violations, fmt.Sprintf("batch says %d rows, holds %d", x.Batch.GetRows(), rec.NumRows()))
			}
			if res.schema != nil && !sameFields(res.schema, rec.Schema()) {
				res.violations = append(res.violations, fmt.Sprintf("batch schema %s differs from the stream schema %s", rec.Schema(), res.schema))
			}
			res.count += rec.NumRows()
			res.rows, err = recordRows(rec, res.rows)
			rec.Release()
			if err != nil {
				res.violations = append(res.violations, err.Error())
			}
		case *connectorv1.ReadMessage_Checkpoint:
			res.checkpoints = append(res.checkpoints, checkpointAt{state: x.Checkpoint.GetState(), rows: int(res.count)})
		case *connectorv1.ReadMessage_Error:
			res.err = x.Error
		}
	}
	if res.schema == nil && res.err == nil {
		res.violations = append(res.violations, "the read ended without a schema")
	}
	res.elapsed = time.Since(start)
	return res, nil
}

// sameFields reports whether two schemas have the same field names and types.
func sameFields(a, b *arrow.Schema) bool {
	if a.NumFields() != b.NumFields() {
		return false
	}
	for i := range a.Fields() {
		fa, fb := a.Field(i), b.Field(i)
		if fa.Name != fb.Name || !arrow.TypeEqual(fa.Type, fb.Type) {
			return false
		}
	}
	return true
}

// errText renders an in-band error for a message.
func errText(e *connectorv1.Error) string {
	if e == nil {
		return "<nil>"
	}
	return codeName(e.GetCode()) + ": " + e.GetMessage()
}

func codeName(c connectorv1.ErrorCode) string {
	return strings.TrimPrefix(c.String(), "ERROR_CODE_")
}

// load is one load the suite drives through BeginLoad/Write/CommitLoad.
type load struct {
	begin *connectorv1.BeginLoadRequest
}

// newLoad builds the BeginLoad request of a load as the host does, with
// the protocol's one builder (proto/loadopts): typed options for a
// connector that advertises typed_options, the v1.0 options_json
// otherwise.
func newLoad(cfg []byte, id string, target *connectorv1.TableRef, schema *arrow.Schema, l loadopts.Load, typed bool) (*load, error) {
	sm, err := logical.SchemaMessage(schema)
	if err != nil {
		return nil, err
	}
	// One Write stream, as the host says of a load whose read is not
	// partitioned (protocol v1.5); streamsCheck writes with more.
	begin := &connectorv1.BeginLoadRequest{ConfigJson: cfg, LoadId: id, Target: target, Schema: sm, Writers: 1}
	if err := l.Apply(begin, typed); err != nil {
		return nil, err
	}
	return &load{begin: begin}, nil
}

func (l *load) id() string { return l.begin.GetLoadId() }

// beginLoad calls BeginLoad; an in-band error is returned as an error.
func (l *load) beginLoad(ctx context.Context, cc connectorv1.ConnectorClient) error {
	resp, err := cc.BeginLoad(ctx, l.begin)
	if err != nil {
		return fmt.Errorf("BeginLoad %s: %w", l.id(), err)
	}
	if resp.GetError() != nil {
		return fmt.Errorf("BeginLoad %s: %s", l.id(), errText(resp.GetError()))
	}
	return nil
}

// write sends recs in one Write stream.
func (l *load) write(ctx context.Context, cc connectorv1.ConnectorClient, recs []arrow.RecordBatch) (int64, error) {
	ws, err := cc.Write(ctx)
	if err != nil {
		return 0, fmt.Errorf("Write %s: %w", l.id(), err)
	}
	hdr := &connectorv1.WriteMessage{Msg: &connectorv1.WriteMessage_Header{Header: &connectorv1.WriteHeader{
		ConfigJson: l.begin.GetConfigJson(), LoadId: l.id(), Begin: l.begin}}}
	if err := ws.Send(hdr); err != nil {
		return 0, fmt.Errorf("Write %s: header: %w", l.id(), err)
	}
	for _, rec := range recs {
		b, err := logical.EncodeBatch(rec)
		if err != nil {
			return 0, err
		}
		if err := ws.Send(&connectorv1.WriteMessage{Msg: &connectorv1.WriteMessage_Batch{Batch: &connectorv1.Batch{ArrowIpc: b, Rows: rec.NumRows()}}}); err != nil {
			break // the server ended the stream; CloseAndRecv says why
		}
	}
	resp, err := ws.CloseAndRecv()
	if err != nil {
		return 0, fmt.Errorf("Write %s: %w", l.id(), err)
	}
	if resp.GetError() != nil {
		return resp.GetRows(), fmt.Errorf("Write %s: %s", l.id(), errText(resp.GetError()))
	}
	return resp.GetRows(), nil
}

func (l *load) commit(ctx context.Context, cc connectorv1.ConnectorClient) (*connectorv1.CommitLoadResponse, error) {
	resp, err := cc.CommitLoad(ctx, &connectorv1.CommitLoadRequest{ConfigJson: l.begin.GetConfigJson(), LoadId: l.id(),
		ReceiptJson: []byte(`{"certify":true}`), Begin: l.begin})
	if err != nil {
		return nil, fmt.Errorf("CommitLoad %s: %w", l.id(), err)
	}
	if resp.GetError() != nil {
		return resp, fmt.Errorf("CommitLoad %s: %s", l.id(), errText(resp.GetError()))
	}
	return resp, nil
}

func (l *load) abort(ctx context.Context, cc connectorv1.ConnectorClient) error {
	resp, err := cc.AbortLoad(ctx, &connectorv1.AbortLoadRequest{ConfigJson: l.begin.GetConfigJson(), LoadId: l.id(), Begin: l.begin})
	if err != nil {
		return fmt.Errorf("AbortLoad %s: %w", l.id(), err)
	}
	if resp.GetError() != nil {
		return fmt.Errorf("AbortLoad %s: %s", l.id(), errText(resp.GetError()))
	}
	return nil
}

func (l *load) status(ctx context.Context, cc connectorv1.ConnectorClient) (connectorv1.LoadState, error) {
	resp, err := cc.LoadStatus(ctx, &connectorv1.LoadStatusRequest{ConfigJson: l.begin.GetConfigJson(), LoadId: l.id(), Begin: l.begin})
	if err != nil {
		return 0, fmt.Errorf("LoadStatus %s: %w", l.id(), err)
	}
	if resp.GetError() != nil {
		return 0, fmt.Errorf("LoadStatus %s: %s", l.id(), errText(resp.GetError()))
	}
	return resp.GetState(), nil
}

// run begins, writes and commits.
func (l *load) run(ctx context.Context, cc connectorv1.ConnectorClient, recs []arrow.RecordBatch) error {
	if err := l.beginLoad(ctx, cc); err != nil {
		return err
	}
	if _, err := l.write(ctx, cc, recs); err != nil {
		return err
	}
	_, err := l.commit(ctx, cc)
	return err
}
