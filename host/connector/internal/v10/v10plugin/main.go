// Command v10plugin is a connector built against the frozen protocol v1.0
// (package connectorv10), as a plugin from the release before typed load
// options and fencing was: it knows none of the later fields. It is a
// source of one stream, "people" (id int64, name string; config "rows",
// default 3), and a sink that keeps each target as JSON lines in config
// "dir", adding the lineage columns the v1.0 options_json names, as the
// v1.0 SDK did. It records what the host sent (read options, BeginLoad
// options_json, and whether the host sent fields v1.0 does not know) in
// "dir" so that tests can check them.
//
// It must never import proto/gen (the generated code of the current
// protocol registers the same protobuf names).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	v1 "github.com/dpone-go/dpone/host/connector/internal/v10/connectorv10"
	"github.com/dpone-go/dpone/proto/handshake"
)

func main() {
	logger := hclog.New(&hclog.LoggerOptions{Name: "v10", Output: os.Stderr, JSONFormat: true, Level: hclog.Info})
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: plugin.HandshakeConfig{ProtocolVersion: 1,
			MagicCookieKey: handshake.MagicCookieKey, MagicCookieValue: handshake.MagicCookieValue},
		VersionedPlugins: map[int]plugin.PluginSet{1: {handshake.PluginName: &grpcPlugin{}}},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return grpc.NewServer(append(opts, grpc.MaxRecvMsgSize(handshake.MaxMessageBytes))...)
		},
		Logger: logger,
	})
}

type grpcPlugin struct{ plugin.NetRPCUnsupportedPlugin }

func (grpcPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	v1.RegisterConnectorServer(s, &server{})
	return nil
}

func (grpcPlugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (any, error) {
	return nil, fmt.Errorf("v10plugin is a server only")
}

type server struct {
	v1.UnimplementedConnectorServer
}

type config struct {
	Dir  string `json:"dir"`
	Rows int64  `json:"rows"`
}

func parseConfig(b []byte) (config, *v1.Error) {
	var c config
	if err := json.Unmarshal(b, &c); err != nil || c.Dir == "" {
		return c, &v1.Error{Code: v1.ErrorCode_ERROR_CODE_CONFIG, Message: fmt.Sprintf("config: want {\"dir\": ...}, got %s", b)}
	}
	if c.Rows == 0 {
		c.Rows = 3
	}
	return c, nil
}

// record writes what the host sent into the config's dir.
func record(dir, name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name), b, 0o644)
}

func (*server) GetSpec(context.Context, *v1.GetSpecRequest) (*v1.GetSpecResponse, error) {
	return &v1.GetSpecResponse{Name: "v10", Version: "1.0.0", ProtocolVersion: 1, Description: "protocol v1.0 test connector",
		ConfigSchemaJson: `{"type":"object","properties":{"dir":{"type":"string"},"rows":{"type":"integer"}},"required":["dir"]}`,
		Capabilities: &v1.Capabilities{Source: true, Destination: true, Check: true, LoadStatus: true, AtomicReceipts: true,
			SourceModes: []v1.SourceMode{v1.SourceMode_SOURCE_MODE_FULL},
			SinkModes:   []string{"full_refresh", "incremental_append"}}}, nil
}

func (*server) Check(_ context.Context, req *v1.CheckRequest) (*v1.CheckResponse, error) {
	_, e := parseConfig(req.GetConfigJson())
	return &v1.CheckResponse{Error: e}, nil
}

var people = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

func schemaMessage() (*v1.Schema, error) {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(people))
	if err := w.Close(); err != nil {
		return nil, err
	}
	return &v1.Schema{ArrowSchema: buf.Bytes(), Fields: []*v1.Field{
		{Name: "id", Type: &v1.LogicalType{Kind: v1.TypeKind_TYPE_KIND_INT64}},
		{Name: "name", Nullable: true, Type: &v1.LogicalType{Kind: v1.TypeKind_TYPE_KIND_STRING}},
	}}, nil
}

func (*server) Discover(_ context.Context, req *v1.DiscoverRequest) (*v1.DiscoverResponse, error) {
	c, e := parseConfig(req.GetConfigJson())
	if e != nil {
		return &v1.DiscoverResponse{Error: e}, nil
	}
	sm, err := schemaMessage()
	if err != nil {
		return nil, err
	}
	return &v1.DiscoverResponse{Streams: []*v1.Stream{{Name: "people", Namespace: "src", Schema: sm,
		PrimaryKey: []string{"id"}, RowEstimate: c.Rows}}}, nil
}

func (*server) Read(req *v1.ReadRequest, out v1.Connector_ReadServer) error {
	c, e := parseConfig(req.GetConfigJson())
	if e == nil && req.GetStream() != "people" {
		e = &v1.Error{Code: v1.ErrorCode_ERROR_CODE_NOT_FOUND, Message: "no stream " + req.GetStream()}
	}
	if e != nil {
		return out.Send(&v1.ReadMessage{Msg: &v1.ReadMessage_Error{Error: e}})
	}
	if err := record(c.Dir, "read.json", map[string]any{"options_json": json.RawMessage(orEmpty(req.GetOptionsJson())),
		"unknown_fields": unknownFields(req)}); err != nil {
		return err
	}
	sm, err := schemaMessage()
	if err != nil {
		return err
	}
	if err := out.Send(&v1.ReadMessage{Msg: &v1.ReadMessage_Schema{Schema: sm}}); err != nil {
		return err
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, people)
	defer b.Release()
	for id := int64(1); id <= c.Rows; id++ {
		b.Field(0).(*array.Int64Builder).Append(id)
		b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("p%d", id))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(people))
	if err := w.Write(rec); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if err := out.Send(&v1.ReadMessage{Msg: &v1.ReadMessage_Batch{Batch: &v1.Batch{ArrowIpc: buf.Bytes(), Rows: rec.NumRows()}}}); err != nil {
		return err
	}
	return out.Send(&v1.ReadMessage{Msg: &v1.ReadMessage_Checkpoint{Checkpoint: &v1.Checkpoint{State: []byte(fmt.Sprintf(`{"id":%d}`, c.Rows))}}})
}

// unknownFields lists the numbers of the fields of m that v1.0 does not
// define (a newer host's additions), in the order they came.
func unknownFields(m proto.Message) []int {
	b := m.ProtoReflect().GetUnknown()
	out := []int{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return append(out, -1)
		}
		k := protowire.ConsumeFieldValue(num, typ, b[n:])
		if k < 0 {
			return append(out, -1)
		}
		out = append(out, int(num))
		b = b[n+k:]
	}
	return out
}

func orEmpty(b []byte) []byte {
	if len(b) == 0 {
		return []byte("null")
	}
	return b
}
