// Command testplugin is a connector plugin for the host/connector tests. It
// implements the generated protocol server directly (the host module may
// not import the SDK), so the tests exercise real child processes, the real
// go-plugin handshake and the real gRPC transport.
//
// Behaviour is chosen by the request: the Read stream name ("rows",
// "block", "panic", "bench", "error:AUTH"), Check's config ({"fail":
// "AUTH"}, {"exit": 3}), CommitLoad's load id ("slow:2s" answers late
// while GetSpec stays responsive; "freeze" makes every call hang, as a
// stopped process would). DPONE_TESTPLUGIN_PROTOCOL=2 makes it serve only
// protocol v2; DPONE_TESTPLUGIN_MODE picks a misbehaving start (modes.go).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/handshake"
	"github.com/dpone-go/dpone/proto/logical"
)

func main() {
	version := handshake.ProtocolVersion
	if v, err := strconv.Atoi(os.Getenv("DPONE_TESTPLUGIN_PROTOCOL")); err == nil {
		version = v
	}
	startMode(os.Getenv("DPONE_TESTPLUGIN_MODE"), version)
	logger := hclog.New(&hclog.LoggerOptions{Name: "test", Output: os.Stderr, JSONFormat: true, Level: hclog.Info})
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: plugin.HandshakeConfig{
			ProtocolVersion:  uint(version),
			MagicCookieKey:   handshake.MagicCookieKey,
			MagicCookieValue: handshake.MagicCookieValue,
		},
		VersionedPlugins: map[int]plugin.PluginSet{version: {handshake.PluginName: &grpcPlugin{srv: &server{log: logger}}}},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			opts = append(opts, grpc.MaxRecvMsgSize(handshake.MaxMessageBytes), grpc.MaxSendMsgSize(handshake.MaxMessageBytes))
			return grpc.NewServer(opts...)
		},
		Logger: logger,
	})
}

type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	srv *server
}

func (p *grpcPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	connectorv1.RegisterConnectorServer(s, p.srv)
	return nil
}

func (p *grpcPlugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (any, error) {
	return nil, fmt.Errorf("testplugin is a server only")
}

type server struct {
	connectorv1.UnimplementedConnectorServer
	log    hclog.Logger
	frozen atomic.Bool
}

// hangIfFrozen blocks forever once a "freeze" commit froze the plugin.
func (s *server) hangIfFrozen() {
	if s.frozen.Load() {
		select {}
	}
}

func codeErr(name string) *connectorv1.Error {
	code := connectorv1.ErrorCode(connectorv1.ErrorCode_value["ERROR_CODE_"+name])
	return &connectorv1.Error{Code: code, Message: "test failure " + name,
		Retryable: code == connectorv1.ErrorCode_ERROR_CODE_RATE_LIMITED, Details: map[string]string{"code": name}}
}

func (s *server) GetSpec(context.Context, *connectorv1.GetSpecRequest) (*connectorv1.GetSpecResponse, error) {
	s.hangIfFrozen()
	return &connectorv1.GetSpecResponse{
		Name: "test", Version: "0.0.1", ProtocolVersion: handshake.ProtocolVersion,
		Description:      "test connector",
		ConfigSchemaJson: `{"type":"object","properties":{"fail":{"type":"string"},"exit":{"type":"integer"}}}`,
		Capabilities: &connectorv1.Capabilities{Source: true, Destination: true, Check: true,
			SourceModes: []connectorv1.SourceMode{connectorv1.SourceMode_SOURCE_MODE_FULL},
			SinkModes:   []string{"full_refresh"}},
	}, nil
}

type testConfig struct {
	Fail string `json:"fail"`
	Exit int    `json:"exit"`
	Rows int64  `json:"rows"`
	// Encode makes the bench stream encode every batch, as a real source
	// does, instead of sending one encoding again and again.
	Encode bool `json:"encode"`
}

func config(b []byte) testConfig {
	var c testConfig
	_ = json.Unmarshal(b, &c)
	return c
}

func (s *server) Check(_ context.Context, req *connectorv1.CheckRequest) (*connectorv1.CheckResponse, error) {
	s.hangIfFrozen()
	c := config(req.GetConfigJson())
	if c.Exit != 0 {
		os.Exit(c.Exit)
	}
	if c.Fail != "" {
		return &connectorv1.CheckResponse{Error: codeErr(c.Fail)}, nil
	}
	return &connectorv1.CheckResponse{}, nil
}

func (s *server) Discover(_ context.Context, req *connectorv1.DiscoverRequest) (*connectorv1.DiscoverResponse, error) {
	s.hangIfFrozen()
	rows, err := logical.SchemaMessage(rowsSchema)
	if err != nil {
		return nil, err
	}
	bench, err := logical.SchemaMessage(benchSchema)
	if err != nil {
		return nil, err
	}
	return &connectorv1.DiscoverResponse{Streams: []*connectorv1.Stream{
		{Name: "rows", Namespace: "main", Schema: rows, PrimaryKey: []string{"id"}, CursorCandidates: []string{"id"}, RowEstimate: 10},
		{Name: "bench", Namespace: "main", Schema: bench, PrimaryKey: []string{"id"}},
	}}, nil
}

var rowsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

func (s *server) Read(req *connectorv1.ReadRequest, out connectorv1.Connector_ReadServer) error {
	opts := config(req.GetOptionsJson())
	switch st := req.GetStream(); {
	case st == "rows":
		return s.readRows(opts.Rows, out)
	case st == "bench":
		return readBench(opts.Rows, opts.Encode, out)
	case st == "block", st == "panic":
		if err := sendRows(out, 0, 10); err != nil {
			return err
		}
		if st == "panic" {
			panic("testplugin: boom")
		}
		<-out.Context().Done()
		fmt.Fprintln(os.Stderr, "testplugin: read cancelled")
		return out.Context().Err()
	case len(st) > 6 && st[:6] == "error:":
		return out.Send(&connectorv1.ReadMessage{Msg: &connectorv1.ReadMessage_Error{Error: codeErr(st[6:])}})
	}
	return out.Send(&connectorv1.ReadMessage{Msg: &connectorv1.ReadMessage_Error{Error: &connectorv1.Error{
		Code: connectorv1.ErrorCode_ERROR_CODE_NOT_FOUND, Message: "no stream " + req.GetStream()}}})
}

// readRows sends n rows (id 0..n-1) in batches of 1000, a checkpoint after each.
func (s *server) readRows(n int64, out connectorv1.Connector_ReadServer) error {
	sm, err := logical.SchemaMessage(rowsSchema)
	if err != nil {
		return err
	}
	if err := out.Send(&connectorv1.ReadMessage{Msg: &connectorv1.ReadMessage_Schema{Schema: sm}}); err != nil {
		return err
	}
	for off := int64(0); off < n; off += 1000 {
		if err := sendRows(out, off, min(1000, n-off)); err != nil {
			return err
		}
		state := fmt.Appendf(nil, `{"v":1,"id":%d}`, off+min(1000, n-off)-1)
		if err := out.Send(&connectorv1.ReadMessage{Msg: &connectorv1.ReadMessage_Checkpoint{Checkpoint: &connectorv1.Checkpoint{State: state}}}); err != nil {
			return err
		}
	}
	return nil
}

func sendRows(out connectorv1.Connector_ReadServer, off, n int64) error {
	b := array.NewRecordBuilder(memory.DefaultAllocator, rowsSchema)
	defer b.Release()
	for i := off; i < off+n; i++ {
		b.Field(0).(*array.Int64Builder).Append(i)
		if i%7 == 3 {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append("name-" + strconv.FormatInt(i, 10))
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	ipc, err := logical.EncodeBatch(rec)
	if err != nil {
		return err
	}
	return out.Send(&connectorv1.ReadMessage{Msg: &connectorv1.ReadMessage_Batch{Batch: &connectorv1.Batch{ArrowIpc: ipc, Rows: n}}})
}

var benchSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "qty", Type: arrow.PrimitiveTypes.Int32},
	{Name: "price", Type: arrow.PrimitiveTypes.Float64},
	{Name: "sku", Type: arrow.BinaryTypes.String},
	{Name: "note", Type: arrow.BinaryTypes.String},
	{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
	{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "amount", Type: &arrow.Decimal128Type{Precision: 18, Scale: 4}},
}, nil)

// BenchBatchRows is the rows of one bench batch: about 1 MiB on the wire.
const benchBatchRows = 14000

// readBench sends n synthetic rows: one ~1 MiB batch, encoded once and sent
// again and again, so the benchmark measures the transport and the host;
// with encode, each batch is encoded anew.
func readBench(n int64, encode bool, out connectorv1.Connector_ReadServer) error {
	sm, err := logical.SchemaMessage(benchSchema)
	if err != nil {
		return err
	}
	if err := out.Send(&connectorv1.ReadMessage{Msg: &connectorv1.ReadMessage_Schema{Schema: sm}}); err != nil {
		return err
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, benchSchema)
	defer b.Release()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	for i := int64(0); i < benchBatchRows; i++ {
		b.Field(0).(*array.Int64Builder).Append(i)
		b.Field(1).(*array.Int32Builder).Append(int32(i % 1000))
		b.Field(2).(*array.Float64Builder).Append(float64(i) * 1.25)
		b.Field(3).(*array.StringBuilder).Append(fmt.Sprintf("SKU-%08d", i))
		b.Field(4).(*array.StringBuilder).Append(fmt.Sprintf("note %d ok", i%97))
		b.Field(5).(*array.TimestampBuilder).Append(arrow.Timestamp(t0 + i*1000))
		if i%5 == 0 {
			b.Field(6).AppendNull()
		} else {
			b.Field(6).(*array.BooleanBuilder).Append(i%2 == 0)
		}
		b.Field(7).(*array.Decimal128Builder).Append(decimal128.FromI64(i * 12345))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	ipc, err := logical.EncodeBatch(rec)
	if err != nil {
		return err
	}
	for sent := int64(0); sent < n; {
		rows := min(benchBatchRows, n-sent)
		data := ipc
		if encode || rows < benchBatchRows {
			part := rec.NewSlice(0, rows)
			data, err = logical.EncodeBatch(part)
			part.Release()
			if err != nil {
				return err
			}
		}
		if err := out.Send(&connectorv1.ReadMessage{Msg: &connectorv1.ReadMessage_Batch{Batch: &connectorv1.Batch{ArrowIpc: data, Rows: rows}}}); err != nil {
			return err
		}
		sent += rows
	}
	return out.Send(&connectorv1.ReadMessage{Msg: &connectorv1.ReadMessage_Checkpoint{Checkpoint: &connectorv1.Checkpoint{State: []byte(`{"v":1}`)}}})
}

func (s *server) BeginLoad(_ context.Context, req *connectorv1.BeginLoadRequest) (*connectorv1.BeginLoadResponse, error) {
	s.hangIfFrozen()
	if f := config(req.GetConfigJson()).Fail; f != "" {
		return &connectorv1.BeginLoadResponse{Error: codeErr(f)}, nil
	}
	return &connectorv1.BeginLoadResponse{Staging: "_dpone_stg_" + req.GetLoadId()}, nil
}

func (s *server) Write(in connectorv1.Connector_WriteServer) error {
	first, err := in.Recv()
	if err != nil {
		return err
	}
	if f := config(first.GetHeader().GetConfigJson()).Fail; f != "" {
		return in.SendAndClose(&connectorv1.WriteResponse{Error: codeErr(f)})
	}
	var rows, bytes int64
	for {
		m, err := in.Recv()
		if err != nil {
			break
		}
		rec, err := logical.DecodeBatch(m.GetBatch().GetArrowIpc(), nil)
		if err != nil {
			return in.SendAndClose(&connectorv1.WriteResponse{Error: &connectorv1.Error{
				Code: connectorv1.ErrorCode_ERROR_CODE_DATA, Message: err.Error()}})
		}
		rows += rec.NumRows()
		bytes += int64(len(m.GetBatch().GetArrowIpc()))
		rec.Release()
	}
	return in.SendAndClose(&connectorv1.WriteResponse{Rows: rows, Bytes: bytes})
}

func (s *server) CommitLoad(_ context.Context, req *connectorv1.CommitLoadRequest) (*connectorv1.CommitLoadResponse, error) {
	id := req.GetLoadId()
	if id == "freeze" {
		s.frozen.Store(true)
	}
	s.hangIfFrozen()
	if d, ok := strings.CutPrefix(id, "slow:"); ok {
		dur, _ := time.ParseDuration(d)
		time.Sleep(dur)
	}
	return &connectorv1.CommitLoadResponse{RowsInserted: 1}, nil
}

func (s *server) AbortLoad(context.Context, *connectorv1.AbortLoadRequest) (*connectorv1.AbortLoadResponse, error) {
	s.hangIfFrozen()
	return &connectorv1.AbortLoadResponse{}, nil
}

func (s *server) LoadStatus(context.Context, *connectorv1.LoadStatusRequest) (*connectorv1.LoadStatusResponse, error) {
	s.hangIfFrozen()
	return &connectorv1.LoadStatusResponse{State: connectorv1.LoadState_LOAD_STATE_COMMITTED}, nil
}

func (s *server) DescribeTarget(context.Context, *connectorv1.DescribeTargetRequest) (*connectorv1.DescribeTargetResponse, error) {
	s.hangIfFrozen()
	return &connectorv1.DescribeTargetResponse{}, nil
}
