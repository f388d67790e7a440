package postgres

import (
	"context"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/go-plugin"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/logical"
	"github.com/dpone-go/dpone/sdk"
)

func grpcClient(t *testing.T) connectorv1.ConnectorClient {
	t.Helper()
	client, _ := plugin.TestPluginGRPCConn(t, false, sdk.PluginSet(New(), nil))
	// Close asks the server to shut down (go-plugin's controller); calling
	// server.Stop as well races with it.
	t.Cleanup(func() { client.Close() })
	raw, err := client.Dispense("connector")
	if err != nil {
		t.Fatal(err)
	}
	return raw.(connectorv1.ConnectorClient)
}

// grpcRead reads a stream through the adapter: its schema, Arrow IPC
// batches (decoded to rows) and checkpoints.
func grpcRead(t *testing.T, cc connectorv1.ConnectorClient, req *connectorv1.ReadRequest) (*connectorv1.Schema, [][]byte, [][]any) {
	t.Helper()
	stream, err := cc.Read(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var schema *connectorv1.Schema
	var batches [][]byte
	var rows [][]any
	for {
		msg, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch m := msg.Msg.(type) {
		case *connectorv1.ReadMessage_Schema:
			schema = m.Schema
		case *connectorv1.ReadMessage_Batch:
			batches = append(batches, m.Batch.ArrowIpc)
			rec, err := logical.DecodeBatch(m.Batch.ArrowIpc, nil)
			if err != nil {
				t.Fatal(err)
			}
			rows = append(rows, recordRows(rec)...)
			rec.Release()
		case *connectorv1.ReadMessage_Error:
			t.Fatalf("read error: %v", m.Error)
		}
	}
	return schema, batches, rows
}

// TestGRPCRoundTripAllTypes reads every supported type through the real
// gRPC adapter, loads the batches untouched into a new table (the encoder
// path), reads that back and compares.
func TestGRPCRoundTripAllTypes(t *testing.T) {
	cfg, conn := testDB(t)
	mustExec(t, conn, typesDDL)
	t.Cleanup(func() {
		mustExec(t, conn, "DROP TABLE public.types_t; DROP TYPE mood; DROP SCHEMA IF EXISTS rt CASCADE")
	})
	cc := grpcClient(t)
	ctx := context.Background()

	spec, err := cc.GetSpec(ctx, &connectorv1.GetSpecRequest{})
	if err != nil {
		t.Fatal(err)
	}
	caps := spec.GetCapabilities()
	if !caps.GetSource() || !caps.GetDestination() || !caps.GetAtomicReceipts() || !caps.GetLoadStatus() ||
		!cmp.Equal(caps.GetIncrementalStrategies(), []string{"column", "xmin"}) || !cmp.Equal(caps.GetSinkModes(), sinkModes) {
		t.Errorf("capabilities: got %v", caps)
	}
	if resp, err := cc.Check(ctx, &connectorv1.CheckRequest{ConfigJson: cfg}); err != nil || resp.GetError() != nil {
		t.Fatalf("check: %v %v", err, resp.GetError())
	}

	schema, batches, want := grpcRead(t, cc, &connectorv1.ReadRequest{ConfigJson: cfg, Namespace: "public", Stream: "types_t",
		Mode: connectorv1.SourceMode_SOURCE_MODE_FULL})
	if len(want) != 5 {
		t.Fatalf("got %d rows, want 5", len(want))
	}

	begin := &connectorv1.BeginLoadRequest{ConfigJson: cfg, LoadId: "rt-1", Target: &connectorv1.TableRef{Namespace: "rt", Name: "types_copy"},
		Schema: schema, Mode: sdk.ModeFullRefresh,
		OptionsJson: []byte(`{"lineage": {"run_id": "r-9", "loaded_at": "2026-11-26T05:00:00Z", "run_id_column": "_dpone_run_id", "loaded_at_column": "_dpone_loaded_at"}}`)}
	if resp, err := cc.BeginLoad(ctx, begin); err != nil || resp.GetError() != nil {
		t.Fatalf("begin: %v %v", err, resp.GetError())
	}
	ws, err := cc.Write(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.Send(&connectorv1.WriteMessage{Msg: &connectorv1.WriteMessage_Header{Header: &connectorv1.WriteHeader{ConfigJson: cfg, LoadId: "rt-1", Begin: begin}}}); err != nil {
		t.Fatal(err)
	}
	for _, b := range batches {
		if err := ws.Send(&connectorv1.WriteMessage{Msg: &connectorv1.WriteMessage_Batch{Batch: &connectorv1.Batch{ArrowIpc: b}}}); err != nil {
			t.Fatal(err)
		}
	}
	wr, err := ws.CloseAndRecv()
	if err != nil || wr.GetError() != nil || wr.GetRows() != 5 {
		t.Fatalf("write: got %v rows, %v %v, want 5", wr.GetRows(), err, wr.GetError())
	}
	st, err := cc.LoadStatus(ctx, &connectorv1.LoadStatusRequest{ConfigJson: cfg, LoadId: "rt-1", Begin: begin})
	if err != nil || st.GetState() != connectorv1.LoadState(sdk.LoadStaged) {
		t.Errorf("status before commit: got %v %v, want staged", st.GetState(), err)
	}
	cr, err := cc.CommitLoad(ctx, &connectorv1.CommitLoadRequest{ConfigJson: cfg, LoadId: "rt-1", Begin: begin, ReceiptJson: []byte(`{}`)})
	if err != nil || cr.GetError() != nil || cr.GetRowsInserted() != 5 {
		t.Fatalf("commit: got %v %v %v, want 5 rows", cr.GetRowsInserted(), err, cr.GetError())
	}
	st, err = cc.LoadStatus(ctx, &connectorv1.LoadStatusRequest{ConfigJson: cfg, LoadId: "rt-1", Begin: begin})
	if err != nil || st.GetState() != connectorv1.LoadState(sdk.LoadCommitted) {
		t.Errorf("status after commit: got %v %v, want committed", st.GetState(), err)
	}

	var cols []string
	for _, f := range schema.GetFields() {
		cols = append(cols, f.GetName())
	}
	_, _, got := grpcRead(t, cc, &connectorv1.ReadRequest{ConfigJson: cfg, Namespace: "rt", Stream: "types_copy", Columns: cols,
		Mode: connectorv1.SourceMode_SOURCE_MODE_FULL})
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-source +target):\n%s", diff)
	}

	// The target's types as the sink created them.
	dt, err := cc.DescribeTarget(ctx, &connectorv1.DescribeTargetRequest{ConfigJson: cfg, Table: &connectorv1.TableRef{Namespace: "rt", Name: "types_copy"}})
	if err != nil || !dt.GetExists() {
		t.Fatalf("describe: %v %v", err, dt.GetError())
	}
	natives := map[string]string{}
	for _, f := range dt.GetSchema().GetFields() {
		natives[f.GetName()] = f.GetType().GetNative()
	}
	wantNatives := map[string]string{"n": "numeric(38,10)", "u": "uuid", "j": "json", "jb": "jsonb", "vc": "character varying(20)",
		"ai": "integer[]", "tstz": "timestamp with time zone", "iv": "interval", "e": "text", "_dpone_loaded_at": "timestamp with time zone"}
	for col, w := range wantNatives {
		if natives[col] != w {
			t.Errorf("target column %s: got %q, want %q", col, natives[col], w)
		}
	}
}
