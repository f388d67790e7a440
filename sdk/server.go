package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/hashicorp/go-hclog"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/handshake"
	"github.com/dpone-go/dpone/proto/loadopts"
	"github.com/dpone-go/dpone/proto/logical"
)

// server adapts a Connector to the generated gRPC service.
type server struct {
	connectorv1.UnimplementedConnectorServer
	c      Connector
	spec   Spec
	logger hclog.Logger
	// handoffs are the in-process payload handoffs between this
	// process's Reads and Writes (protocol v1.4).
	handoffs handoffs
}

func newServer(c Connector, logger hclog.Logger) *server {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	return &server{c: c, spec: c.Spec(), logger: logger}
}

// errorProto converts err to the in-band protocol error (nil for nil).
func errorProto(err error) *connectorv1.Error {
	if err == nil {
		return nil
	}
	code := CodeOf(err)
	pe := &connectorv1.Error{Code: connectorv1.ErrorCode(code), Message: err.Error()}
	if code == CodeInternal {
		pe.Code = connectorv1.ErrorCode_ERROR_CODE_INTERNAL
	}
	pe.Retryable = IsRetryable(err)
	var e *Error
	if errors.As(err, &e) {
		pe.Details = e.Details
	}
	return pe
}

// Capabilities derives the capability list of c from its Spec and the
// optional interfaces it implements.
func capabilities(c Connector, spec Spec) *connectorv1.Capabilities {
	caps := &connectorv1.Capabilities{
		SinkModes:             spec.SinkModes,
		IncrementalStrategies: spec.IncrementalStrategies,
		AtomicReceipts:        spec.AtomicReceipts,
		Transactions:          spec.Transactions,
		Fencing:               spec.Fencing,
	}
	if _, ok := c.(Destination); ok {
		caps.StagingTypes, caps.StagingRequired = spec.StagingTypes, spec.StagingRequired
	}
	if _, ok := c.(Source); ok {
		caps.Source = true
		caps.CursorRange = spec.CursorRange
		caps.SourceModes = []connectorv1.SourceMode{connectorv1.SourceMode_SOURCE_MODE_FULL}
		if len(spec.IncrementalStrategies) > 0 {
			caps.SourceModes = append(caps.SourceModes, connectorv1.SourceMode_SOURCE_MODE_INCREMENTAL)
		}
	}
	_, caps.Destination = c.(Destination)
	_, caps.ParallelPartitions = c.(Partitioner)
	_, caps.DescribeTarget = c.(TargetDescriber)
	_, caps.Check = c.(Checker)
	_, caps.DescribeStream = c.(StreamDescriber)
	_, caps.LoadStatus = c.(LoadStatuser)
	_, caps.LoadSchema = c.(LoadSchemaApplier)
	caps.TypedOptions = true // LoadRequest.Load; Options hold only the connector's keys
	if ps, ok := c.(PayloadSource); ok && caps.Source {
		caps.SourcePayloadFormats = ps.PayloadFormats()
	}
	if pd, ok := c.(PayloadDestination); ok && caps.Destination {
		caps.SinkPayloadFormats = pd.AcceptedPayloadFormats()
	}
	// The SDK hands payloads from a Read to a Write of the same process.
	caps.PayloadHandoff = len(caps.SourcePayloadFormats) > 0 && len(caps.SinkPayloadFormats) > 0
	if _, ok := c.(SchemaApplier); ok || caps.LoadSchema {
		caps.ApplySchema = true
		ops := spec.SchemaOps
		if ops == nil {
			ops = []SchemaOp{OpCreateTable, OpAddColumn, OpWidenType, OpDropNotNull}
		}
		for _, op := range ops {
			caps.SchemaOps = append(caps.SchemaOps, op.String())
		}
	}
	return caps
}

func (s *server) GetSpec(context.Context, *connectorv1.GetSpecRequest) (*connectorv1.GetSpecResponse, error) {
	return &connectorv1.GetSpecResponse{
		Name: s.spec.Name, Version: s.spec.Version, Description: s.spec.Description,
		ProtocolVersion:         handshake.ProtocolVersion,
		SdkVersion:              Version,
		ConfigSchemaJson:        s.spec.ConfigSchema,
		SourceOptionsSchemaJson: s.spec.SourceOptionsSchema,
		SinkOptionsSchemaJson:   s.spec.SinkOptionsSchema,
		Capabilities:            capabilities(s.c, s.spec),
	}, nil
}

func (s *server) Check(ctx context.Context, req *connectorv1.CheckRequest) (*connectorv1.CheckResponse, error) {
	cfg := json.RawMessage(req.GetConfigJson())
	if len(cfg) > 0 && !json.Valid(cfg) {
		return &connectorv1.CheckResponse{Error: errorProto(Errorf(CodeConfig, "config is not valid JSON"))}, nil
	}
	if ch, ok := s.c.(Checker); ok {
		return &connectorv1.CheckResponse{Error: errorProto(ch.Check(ctx, cfg))}, nil
	}
	return &connectorv1.CheckResponse{}, nil
}

func (s *server) source() (Source, error) {
	src, ok := s.c.(Source)
	if !ok {
		return nil, Errorf(CodeUnsupported, "connector %s is not a source", s.spec.Name)
	}
	return src, nil
}

func (s *server) destination() (Destination, error) {
	dst, ok := s.c.(Destination)
	if !ok {
		return nil, Errorf(CodeUnsupported, "connector %s is not a destination", s.spec.Name)
	}
	return dst, nil
}

func (s *server) Discover(ctx context.Context, req *connectorv1.DiscoverRequest) (*connectorv1.DiscoverResponse, error) {
	src, err := s.source()
	if err != nil {
		return &connectorv1.DiscoverResponse{Error: errorProto(err)}, nil
	}
	streams, err := src.Discover(ctx, req.GetConfigJson(), req.GetSelector())
	if err != nil {
		return &connectorv1.DiscoverResponse{Error: errorProto(err)}, nil
	}
	resp := &connectorv1.DiscoverResponse{}
	for _, st := range streams {
		ps, err := streamProto(st)
		if err != nil {
			return &connectorv1.DiscoverResponse{Error: errorProto(err)}, nil
		}
		resp.Streams = append(resp.Streams, ps)
	}
	return resp, nil
}

func streamProto(st Stream) (*connectorv1.Stream, error) {
	sm, err := logical.SchemaMessage(st.Schema)
	if err != nil {
		return nil, WithCode(CodeSchema, fmt.Errorf("stream %s: %w", st.Name, err))
	}
	return &connectorv1.Stream{
		Name: st.Name, Namespace: st.Namespace, Schema: sm, PrimaryKey: st.PrimaryKey,
		CursorCandidates: st.CursorCandidates, RowEstimate: st.RowEstimate, ByteEstimate: st.ByteEstimate,
		PayloadFormats: st.PayloadFormats,
	}, nil
}

func (s *server) DescribeStream(ctx context.Context, req *connectorv1.ReadRequest) (*connectorv1.DescribeStreamResponse, error) {
	d, ok := s.c.(StreamDescriber)
	if !ok {
		return &connectorv1.DescribeStreamResponse{Error: errorProto(Errorf(CodeUnsupported, "connector %s cannot describe streams", s.spec.Name))}, nil
	}
	st, err := d.DescribeStream(ctx, readRequest(req))
	if err != nil {
		return &connectorv1.DescribeStreamResponse{Error: errorProto(err)}, nil
	}
	ps, err := streamProto(st)
	if err != nil {
		return &connectorv1.DescribeStreamResponse{Error: errorProto(err)}, nil
	}
	return &connectorv1.DescribeStreamResponse{Stream: ps}, nil
}

func readRequest(req *connectorv1.ReadRequest) ReadRequest {
	mode := ReadFull
	if req.GetMode() == connectorv1.SourceMode_SOURCE_MODE_INCREMENTAL {
		mode = ReadIncremental
	}
	return ReadRequest{
		Config: req.GetConfigJson(), Namespace: req.GetNamespace(), Stream: req.GetStream(), Columns: req.GetColumns(), Mode: mode,
		PriorState: req.GetPriorState(), Partition: req.GetPartition(), Options: loadopts.OwnSourceOptions(req.GetOptionsJson()),
		CursorRange: cursorRange(req.GetCursorRange()),
	}
}

func (s *server) DescribeTarget(ctx context.Context, req *connectorv1.DescribeTargetRequest) (*connectorv1.DescribeTargetResponse, error) {
	d, ok := s.c.(TargetDescriber)
	if !ok {
		return &connectorv1.DescribeTargetResponse{Error: errorProto(Errorf(CodeUnsupported, "connector %s cannot describe targets", s.spec.Name))}, nil
	}
	schema, pk, exists, err := d.DescribeTarget(ctx, req.GetConfigJson(), tableRef(req.GetTable()))
	if err != nil || !exists {
		return &connectorv1.DescribeTargetResponse{Error: errorProto(err)}, nil
	}
	sm, err := logical.SchemaMessage(schema)
	if err != nil {
		return &connectorv1.DescribeTargetResponse{Error: errorProto(WithCode(CodeSchema, err))}, nil
	}
	return &connectorv1.DescribeTargetResponse{Exists: true, Schema: sm, PrimaryKey: pk}, nil
}

func (s *server) ApplySchema(ctx context.Context, req *connectorv1.ApplySchemaRequest) (*connectorv1.ApplySchemaResponse, error) {
	a, ok := s.c.(SchemaApplier)
	la, forLoad := s.c.(LoadSchemaApplier)
	if !ok && !forLoad {
		return &connectorv1.ApplySchemaResponse{Error: errorProto(Errorf(CodeUnsupported, "connector %s cannot apply schema changes", s.spec.Name))}, nil
	}
	changes := make([]SchemaChange, 0, len(req.GetChanges()))
	for _, c := range req.GetChanges() {
		ch, err := schemaChange(c)
		if err != nil {
			return &connectorv1.ApplySchemaResponse{Error: errorProto(WithCode(CodeSchema, err))}, nil
		}
		changes = append(changes, ch)
	}
	var ddl []string
	var err error
	if forLoad {
		sr := SchemaRequest{Config: req.GetConfigJson(), Table: tableRef(req.GetTable()), Changes: changes, DryRun: req.GetDryRun()}
		if sr.For, err = schemaLoad(req); err != nil {
			return &connectorv1.ApplySchemaResponse{Error: errorProto(err)}, nil
		}
		ddl, err = la.ApplySchemaFor(ctx, sr)
	} else {
		ddl, err = a.ApplySchema(ctx, req.GetConfigJson(), tableRef(req.GetTable()), changes, req.GetDryRun())
	}
	return &connectorv1.ApplySchemaResponse{Ddl: ddl, Lossy: s.typeLoss(changes), Error: errorProto(err)}, nil
}

// typeLoss collects the connector's notes on the columns of changes.
func (s *server) typeLoss(changes []SchemaChange) []string {
	r, ok := s.c.(TypeLossReporter)
	if !ok {
		return nil
	}
	var notes []string
	note := func(f arrow.Field) {
		if n := r.TypeLoss(f); n != "" {
			notes = append(notes, fmt.Sprintf("column %s: %s", f.Name, n))
		}
	}
	for _, c := range changes {
		if c.Op == OpCreateTable && c.Schema != nil {
			for _, f := range c.Schema.Fields() {
				note(f)
			}
			continue
		}
		if c.Op == OpAddColumn || c.Op == OpWidenType {
			note(c.Field)
		}
	}
	return notes
}

func schemaChange(c *connectorv1.SchemaChange) (SchemaChange, error) {
	out := SchemaChange{}
	switch c.GetOp() {
	case connectorv1.SchemaChange_OP_CREATE_TABLE:
		out.Op = OpCreateTable
		st := c.GetField().GetType().GetFields()
		s, err := logical.ToArrow(st)
		if err != nil {
			return out, err
		}
		out.Schema = s
		out.PrimaryKey = c.GetPrimaryKey()
		return out, nil
	case connectorv1.SchemaChange_OP_ADD_COLUMN:
		out.Op = OpAddColumn
	case connectorv1.SchemaChange_OP_WIDEN_TYPE:
		out.Op = OpWidenType
		dt, _, err := logical.TypeToArrow(c.GetFrom())
		if err != nil {
			return out, err
		}
		out.From = dt
	case connectorv1.SchemaChange_OP_DROP_NOT_NULL:
		out.Op = OpDropNotNull
	default:
		return out, fmt.Errorf("unknown schema change %v", c.GetOp())
	}
	f, err := logical.FieldToArrow(c.GetField())
	if err != nil {
		return out, err
	}
	out.Field = f
	return out, nil
}

func tableRef(t *connectorv1.TableRef) TableRef {
	return TableRef{Namespace: t.GetNamespace(), Name: t.GetName()}
}

func (s *server) Read(req *connectorv1.ReadRequest, stream connectorv1.Connector_ReadServer) error {
	w := &streamWriter{out: stream, batchBytes: int(req.GetBatchBytes()), crashAt: faultAfterBatches(s.spec.Name, "read")}
	if w.batchBytes <= 0 {
		w.batchBytes = handshake.DefaultBatchBytes
	}
	fail := func(err error) error {
		return stream.Send(&connectorv1.ReadMessage{Msg: &connectorv1.ReadMessage_Error{Error: errorProto(err)}})
	}
	src, err := s.source()
	if err != nil {
		return fail(err)
	}
	if req.GetCursorRange() != nil && !s.spec.CursorRange {
		return fail(Errorf(CodeUnsupported, "connector %s cannot read a cursor range: it does not declare the cursor_range capability", s.spec.Name))
	}
	defer watchCancel(stream.Context(), s.logger, req.GetStream())()
	read := func() error { return src.Read(stream.Context(), readRequest(req), w) }
	if req.GetPayloadHandoff() != "" && req.GetPayloadFormat() == "" {
		return fail(Errorf(CodeInternal, "read request names handoff %s but no payload format: only native payloads are handed over", req.GetPayloadHandoff()))
	}
	if f := req.GetPayloadFormat(); f != "" {
		ps, err := s.payloadSource(f)
		if err != nil {
			return fail(err)
		}
		read = func() error { return ps.ReadPayload(stream.Context(), readRequest(req), f, w) }
		if id := req.GetPayloadHandoff(); id != "" {
			hw := &handoffWriter{streamWriter: w, ctx: stream.Context(), id: id, h: s.handoffs.get(id, true)}
			defer s.handoffs.leave(id, hw.h, true)
			read = func() error {
				err := ps.ReadPayload(stream.Context(), readRequest(req), f, hw)
				if err == nil {
					err = w.finish()
				}
				return hw.end(err)
			}
		}
	}
	if err := read(); err != nil {
		if stream.Context().Err() != nil {
			return stream.Context().Err()
		}
		s.logger.Debug("read failed", "stream", req.GetStream(), "error", err)
		return fail(err)
	}
	if err := w.finish(); err != nil {
		return fail(err)
	}
	return nil
}

func (s *server) Partition(ctx context.Context, req *connectorv1.PartitionRequest) (*connectorv1.PartitionResponse, error) {
	p, ok := s.c.(Partitioner)
	if !ok {
		return &connectorv1.PartitionResponse{Error: errorProto(Errorf(CodeUnsupported, "connector %s cannot partition reads", s.spec.Name))}, nil
	}
	parts, err := p.Partition(ctx, ReadRequest{Config: req.GetConfigJson(), Namespace: req.GetNamespace(), Stream: req.GetStream(),
		Options: loadopts.OwnSourceOptions(req.GetOptionsJson()), PriorState: req.GetPriorState()}, int(req.GetCount()))
	return &connectorv1.PartitionResponse{Partitions: parts, Error: errorProto(err)}, nil
}

// schemaLoad is the load an ApplySchema request's changes are made for
// (protocol v1.3 fields); zero when the request names no mode.
func schemaLoad(req *connectorv1.ApplySchemaRequest) (LoadRequest, error) {
	if req.GetMode() == "" {
		return LoadRequest{}, nil
	}
	b := &connectorv1.BeginLoadRequest{Target: req.GetTable(), Mode: req.GetMode(), UniqueKey: req.GetUniqueKey(),
		Load: req.GetLoad(), OptionsJson: req.GetOptionsJson()}
	if b.Load == nil {
		b.Load = &connectorv1.LoadOptions{} // a v1.3 host always sends typed options
	}
	lr := LoadRequest{Config: req.GetConfigJson(), Target: tableRef(req.GetTable()), Mode: req.GetMode(), UniqueKey: req.GetUniqueKey()}
	load, own, err := loadOptions(b)
	if err != nil {
		return lr, err
	}
	lr.Load, lr.Options = load, own
	return lr, nil
}

// loadRequest builds the LoadRequest of a load call. With lenient (abort,
// status), options that do not parse are left out rather than failing: a
// load must stay abortable whatever its options.
func loadRequest(cfg []byte, loadID string, b *connectorv1.BeginLoadRequest, lenient bool) (LoadRequest, error) {
	lr := LoadRequest{Config: cfg, LoadID: loadID, Target: tableRef(b.GetTarget()), Mode: b.GetMode(),
		UniqueKey: b.GetUniqueKey(), Fence: fenceOf(b), Writers: int(b.GetWriters())}
	load, own, err := loadOptions(b)
	if err != nil && !lenient {
		return lr, err
	}
	lr.Load, lr.Options = load, own
	if lr.Staging, err = stagingOf(b); err != nil && !lenient {
		return lr, err
	}
	if len(lr.Config) == 0 {
		lr.Config = b.GetConfigJson()
	}
	if lr.LoadID == "" {
		lr.LoadID = b.GetLoadId()
	}
	if b.GetSchema() != nil {
		sc, err := logical.ArrowSchema(b.GetSchema())
		if err != nil {
			return lr, WithCode(CodeSchema, err)
		}
		lr.Schema = sc
	}
	if lr.LoadID == "" {
		return lr, Errorf(CodeConfig, "load_id is empty")
	}
	return lr, nil
}

func (s *server) BeginLoad(ctx context.Context, req *connectorv1.BeginLoadRequest) (*connectorv1.BeginLoadResponse, error) {
	dst, err := s.destination()
	if err != nil {
		return &connectorv1.BeginLoadResponse{Error: errorProto(err)}, nil
	}
	lr, err := loadRequest(req.GetConfigJson(), req.GetLoadId(), req, false)
	if err != nil {
		return &connectorv1.BeginLoadResponse{Error: errorProto(err)}, nil
	}
	staging, err := dst.BeginLoad(ctx, lr)
	resp := &connectorv1.BeginLoadResponse{Staging: staging, Error: errorProto(err)}
	if f := req.GetPayloadFormat(); err == nil && f != "" {
		resp.PayloadFormat, resp.PayloadReason, err = s.acceptPayload(ctx, lr, f)
		resp.Error = errorProto(err)
	}
	return resp, nil
}

func (s *server) Write(stream connectorv1.Connector_WriteServer) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	h := first.GetHeader()
	if h == nil {
		return stream.SendAndClose(&connectorv1.WriteResponse{Error: errorProto(Errorf(CodeInternal, "write stream must start with a header"))})
	}
	dst, err := s.destination()
	if err != nil {
		return stream.SendAndClose(&connectorv1.WriteResponse{Error: errorProto(err)})
	}
	lr, err := loadRequest(h.GetConfigJson(), h.GetLoadId(), h.GetBegin(), false)
	if err != nil {
		return stream.SendAndClose(&connectorv1.WriteResponse{Error: errorProto(err)})
	}
	if f := h.GetBegin().GetPayloadFormat(); f != "" {
		return s.writePayload(stream, lr, f, h.GetPayloadHandoff())
	}
	if h.GetPayloadHandoff() != "" {
		return stream.SendAndClose(&connectorv1.WriteResponse{Error: errorProto(Errorf(CodeInternal,
			"write header names handoff %s but the load has no payload format: only native payloads are handed over", h.GetPayloadHandoff()))})
	}
	rr := &streamReader{in: stream, schema: lr.Schema, crashAt: faultAfterBatches(s.spec.Name, "write")}
	defer rr.release()
	res, err := dst.Write(stream.Context(), lr, rr)
	if err == nil {
		// Drain what the destination did not consume so the client's
		// CloseAndRecv does not block; a destination should read to EOF.
		for {
			if _, rerr := rr.Next(); rerr != nil {
				if !errors.Is(rerr, io.EOF) {
					err = rerr
				}
				break
			}
		}
	}
	if res.Bytes == 0 {
		res.Bytes = rr.bytes
	}
	return stream.SendAndClose(&connectorv1.WriteResponse{Rows: res.Rows, Bytes: res.Bytes, Error: errorProto(err)})
}

// streamReader implements RecordReader over a Write client stream.
type streamReader struct {
	in      connectorv1.Connector_WriteServer
	schema  *arrow.Schema
	cur     arrow.RecordBatch
	bytes   int64
	batches int
	crashAt int
	done    bool
}

func (r *streamReader) Schema() *arrow.Schema { return r.schema }

func (r *streamReader) Next() (arrow.RecordBatch, error) {
	r.release()
	if r.done {
		return nil, io.EOF
	}
	msg, err := r.in.Recv()
	if errors.Is(err, io.EOF) {
		r.done = true
		return nil, io.EOF
	}
	if err != nil {
		return nil, err
	}
	b := msg.GetBatch()
	if b == nil {
		return nil, Errorf(CodeInternal, "write stream: expected a batch after the header")
	}
	r.bytes += int64(len(b.GetArrowIpc()))
	r.batches++
	crashAt(r.batches, r.crashAt)
	rec, err := logical.DecodeBatch(b.GetArrowIpc(), nil)
	if err != nil {
		return nil, WithCode(CodeData, err)
	}
	r.cur = rec
	return rec, nil
}

func (r *streamReader) release() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

func (s *server) CommitLoad(ctx context.Context, req *connectorv1.CommitLoadRequest) (*connectorv1.CommitLoadResponse, error) {
	dst, err := s.destination()
	if err != nil {
		return &connectorv1.CommitLoadResponse{Error: errorProto(err)}, nil
	}
	lr, err := loadRequest(req.GetConfigJson(), req.GetLoadId(), req.GetBegin(), false)
	if err != nil {
		return &connectorv1.CommitLoadResponse{Error: errorProto(err)}, nil
	}
	res, err := dst.CommitLoad(ctx, lr, req.GetReceiptJson())
	return &connectorv1.CommitLoadResponse{RowsInserted: res.RowsInserted, RowsUpdated: res.RowsUpdated,
		RowsDeleted: res.RowsDeleted, Error: errorProto(err)}, nil
}

func (s *server) AbortLoad(ctx context.Context, req *connectorv1.AbortLoadRequest) (*connectorv1.AbortLoadResponse, error) {
	dst, err := s.destination()
	if err != nil {
		return &connectorv1.AbortLoadResponse{Error: errorProto(err)}, nil
	}
	lr, err := loadRequest(req.GetConfigJson(), req.GetLoadId(), req.GetBegin(), true)
	if err != nil {
		return &connectorv1.AbortLoadResponse{Error: errorProto(err)}, nil
	}
	return &connectorv1.AbortLoadResponse{Error: errorProto(dst.AbortLoad(ctx, lr))}, nil
}

func (s *server) LoadStatus(ctx context.Context, req *connectorv1.LoadStatusRequest) (*connectorv1.LoadStatusResponse, error) {
	ls, ok := s.c.(LoadStatuser)
	if !ok {
		return &connectorv1.LoadStatusResponse{Error: errorProto(Errorf(CodeUnsupported, "connector %s cannot report load status", s.spec.Name))}, nil
	}
	lr, err := loadRequest(req.GetConfigJson(), req.GetLoadId(), req.GetBegin(), true)
	if err != nil {
		return &connectorv1.LoadStatusResponse{Error: errorProto(err)}, nil
	}
	st, err := ls.LoadStatus(ctx, lr)
	if err != nil {
		return &connectorv1.LoadStatusResponse{Error: errorProto(err)}, nil
	}
	ps, err := loadStateProto(st)
	return &connectorv1.LoadStatusResponse{State: ps, Error: errorProto(err)}, nil
}

// loadStateProto maps a LoadState to the protocol; any other value is a
// connector bug, reported as INTERNAL rather than cast.
func loadStateProto(st LoadState) (connectorv1.LoadState, error) {
	switch st {
	case LoadUnknown:
		return connectorv1.LoadState_LOAD_STATE_UNKNOWN, nil
	case LoadStaged:
		return connectorv1.LoadState_LOAD_STATE_STAGED, nil
	case LoadCommitted:
		return connectorv1.LoadState_LOAD_STATE_COMMITTED, nil
	}
	return connectorv1.LoadState_LOAD_STATE_UNSPECIFIED,
		Errorf(CodeInternal, "LoadStatus returned LoadState(%d): want LoadUnknown, LoadStaged or LoadCommitted", int(st))
}

func cursorRange(r *connectorv1.CursorRange) *CursorRange {
	if r == nil {
		return nil
	}
	return &CursorRange{Lower: r.GetLower(), Upper: r.GetUpper()}
}
