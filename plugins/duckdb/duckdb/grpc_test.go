package duckdb

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/go-plugin"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/logical"
	"github.com/dpone-go/dpone/sdk"
)

// grpcClient serves the connector through the real go-plugin gRPC adapter.
func grpcClient(t *testing.T, c *Connector) connectorv1.ConnectorClient {
	t.Helper()
	client, _ := plugin.TestPluginGRPCConn(t, false, sdk.PluginSet(c, nil))
	t.Cleanup(func() { client.Close() })
	raw, err := client.Dispense("connector")
	if err != nil {
		t.Fatal(err)
	}
	return raw.(connectorv1.ConnectorClient)
}

func TestGRPCLoadAndRead(t *testing.T) {
	f := newFixture(t)
	cl := grpcClient(t, f.c)
	ctx := context.Background()

	spec, err := cl.GetSpec(ctx, &connectorv1.GetSpecRequest{})
	if err != nil {
		t.Fatal(err)
	}
	caps := spec.GetCapabilities()
	if !caps.GetSource() || !caps.GetDestination() || !caps.GetLoadStatus() || !caps.GetApplySchema() || !caps.GetDescribeTarget() || !caps.GetAtomicReceipts() {
		t.Errorf("capabilities: got %v, want source, destination, load status, apply schema, describe target, atomic receipts", caps)
	}
	if diff := cmp.Diff(sinkModes, caps.GetSinkModes()); diff != "" {
		t.Errorf("sink modes (-want +got):\n%s", diff)
	}
	if r, err := cl.Check(ctx, &connectorv1.CheckRequest{ConfigJson: f.cfg}); err != nil || r.GetError() != nil {
		t.Fatalf("Check: %v %v", err, r.GetError())
	}

	sm, err := logical.SchemaMessage(roundTripSchema)
	if err != nil {
		t.Fatal(err)
	}
	begin := &connectorv1.BeginLoadRequest{ConfigJson: f.cfg, LoadId: "g1", Target: &connectorv1.TableRef{Namespace: "landing", Name: "types"},
		Schema: sm, Mode: sdk.ModeAppend}
	if r, err := cl.BeginLoad(ctx, begin); err != nil || r.GetError() != nil {
		t.Fatalf("BeginLoad: %v %v", err, r.GetError())
	}
	ws, err := cl.Write(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.Send(&connectorv1.WriteMessage{Msg: &connectorv1.WriteMessage_Header{Header: &connectorv1.WriteHeader{LoadId: "g1", Begin: begin}}}); err != nil {
		t.Fatal(err)
	}
	rec := roundTripRecord(t)
	b, err := logical.EncodeBatch(rec)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.Send(&connectorv1.WriteMessage{Msg: &connectorv1.WriteMessage_Batch{Batch: &connectorv1.Batch{ArrowIpc: b, Rows: rec.NumRows()}}}); err != nil {
		t.Fatal(err)
	}
	wr, err := ws.CloseAndRecv()
	if err != nil || wr.GetError() != nil || wr.GetRows() != 3 {
		t.Fatalf("Write: %v %v rows=%d, want 3 rows", err, wr.GetError(), wr.GetRows())
	}
	st, err := cl.LoadStatus(ctx, &connectorv1.LoadStatusRequest{LoadId: "g1", Begin: begin})
	if err != nil || st.GetState() != connectorv1.LoadState_LOAD_STATE_STAGED {
		t.Errorf("LoadStatus: got %v %v, want staged", st.GetState(), err)
	}
	cr, err := cl.CommitLoad(ctx, &connectorv1.CommitLoadRequest{LoadId: "g1", Begin: begin, ReceiptJson: []byte(`{}`)})
	if err != nil || cr.GetError() != nil || cr.GetRowsInserted() != 3 {
		t.Fatalf("CommitLoad: %v %v inserted=%d, want 3", err, cr.GetError(), cr.GetRowsInserted())
	}
	st, err = cl.LoadStatus(ctx, &connectorv1.LoadStatusRequest{LoadId: "g1", Begin: begin})
	if err != nil || st.GetState() != connectorv1.LoadState_LOAD_STATE_COMMITTED {
		t.Errorf("LoadStatus: got %v %v, want committed", st.GetState(), err)
	}

	dt, err := cl.DescribeTarget(ctx, &connectorv1.DescribeTargetRequest{ConfigJson: f.cfg, Table: begin.Target})
	if err != nil || !dt.GetExists() {
		t.Fatalf("DescribeTarget: %v exists=%v err=%v", err, dt.GetExists(), dt.GetError())
	}
	if got := len(dt.GetSchema().GetFields()); got != roundTripSchema.NumFields() {
		t.Errorf("DescribeTarget: got %d fields, want %d", got, roundTripSchema.NumFields())
	}

	rs, err := cl.Read(ctx, &connectorv1.ReadRequest{ConfigJson: f.cfg, Namespace: "landing", Stream: "types"})
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
	for {
		m, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if e := m.GetError(); e != nil {
			t.Fatalf("Read: %v", e)
		}
		if bt := m.GetBatch(); bt != nil {
			got, err := logical.DecodeBatch(bt.GetArrowIpc(), nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := range rec.NumCols() {
				for r := range int(got.NumRows()) {
					if diff := cmp.Diff(rec.Column(int(i)).GetOneForMarshal(r), got.Column(int(i)).GetOneForMarshal(r)); diff != "" {
						t.Errorf("column %s row %d (-sent +read):\n%s", rec.ColumnName(int(i)), r, diff)
					}
				}
			}
			rows += got.NumRows()
			got.Release()
		}
	}
	if rows != 3 {
		t.Errorf("read %d rows over gRPC, want 3", rows)
	}

	bad, err := cl.BeginLoad(ctx, &connectorv1.BeginLoadRequest{ConfigJson: f.cfg, LoadId: "g2", Target: begin.Target, Schema: sm, Mode: "scd3"})
	if err != nil || bad.GetError().GetCode() != connectorv1.ErrorCode(sdk.CodeUnsupported) {
		t.Errorf("BeginLoad of an unknown mode: got %v %v, want UNSUPPORTED", err, bad.GetError())
	}
}
