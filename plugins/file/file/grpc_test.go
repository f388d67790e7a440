package file

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/go-plugin"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/logical"
	"github.com/dpone-go/dpone/sdk"
)

// grpcClient serves the connector through the real go-plugin gRPC adapter.
func grpcClient(t *testing.T) connectorv1.ConnectorClient {
	t.Helper()
	client, _ := plugin.TestPluginGRPCConn(t, false, sdk.PluginSet(New(), nil))
	t.Cleanup(func() { client.Close() })
	raw, err := client.Dispense("connector")
	if err != nil {
		t.Fatal(err)
	}
	return raw.(connectorv1.ConnectorClient)
}

// readAll runs a Read over gRPC and collects its messages.
type readResult struct {
	schema      []string
	rows        [][]string
	batches     int
	checkpoints int
	progress    int
	err         *connectorv1.Error
}

func grpcRead(t *testing.T, c connectorv1.ConnectorClient, req *connectorv1.ReadRequest) readResult {
	t.Helper()
	stream, err := c.Read(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	var res readResult
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return res
		}
		if err != nil {
			t.Fatal(err)
		}
		switch m := msg.Msg.(type) {
		case *connectorv1.ReadMessage_Schema:
			for _, f := range m.Schema.GetFields() {
				res.schema = append(res.schema, f.GetName()+" "+logical.Name(f.GetType()))
			}
		case *connectorv1.ReadMessage_Batch:
			rec, err := logical.DecodeBatch(m.Batch.GetArrowIpc(), nil)
			if err != nil {
				t.Fatal(err)
			}
			res.rows = append(res.rows, rowsOf(rec)...)
			rec.Release()
			res.batches++
		case *connectorv1.ReadMessage_Checkpoint:
			res.checkpoints++
		case *connectorv1.ReadMessage_Progress:
			res.progress++
		case *connectorv1.ReadMessage_Error:
			res.err = m.Error
		}
	}
}

func TestGRPC(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("id,payload,at\n")
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&sb, "%d,%s,2024-01-01T00:00:%02dZ\n", i, strings.Repeat("x", 40), i%60)
	}
	root := writeFiles(t, map[string]string{"events.csv": sb.String(), "meta.jsonl": `{"k": {"a": 1}, "id": "8c4a1f0e-1b2c-4d5e-8f90-a1b2c3d4e5f6"}` + "\n"})
	writeParquet(t, filepath.Join(root, "items.parquet"), 0, 5, 10)
	c := grpcClient(t)

	spec, err := c.GetSpec(t.Context(), &connectorv1.GetSpecRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if spec.GetName() != "file" || !spec.GetCapabilities().GetSource() ||
		!cmp.Equal(spec.GetCapabilities().GetIncrementalStrategies(), []string{"files"}) {
		t.Errorf("got spec %v, want a file source with the files strategy", spec)
	}

	disc, err := c.Discover(t.Context(), &connectorv1.DiscoverRequest{ConfigJson: configJSON(root)})
	if err != nil || disc.GetError() != nil {
		t.Fatalf("discover: %v %v", err, disc.GetError())
	}
	var names []string
	for _, s := range disc.GetStreams() {
		names = append(names, s.GetName())
	}
	if diff := cmp.Diff([]string{"events", "items", "meta"}, names); diff != "" {
		t.Errorf("streams (-want +got):\n%s", diff)
	}

	res := grpcRead(t, c, &connectorv1.ReadRequest{ConfigJson: configJSON(root), Stream: "events", BatchBytes: 128 << 10,
		Mode: connectorv1.SourceMode_SOURCE_MODE_INCREMENTAL, OptionsJson: []byte(`{"incremental_strategy": "files"}`)})
	if res.err != nil {
		t.Fatalf("read: %v", res.err)
	}
	if diff := cmp.Diff([]string{"id int64", "payload string", "at timestamp(6, tz)"}, res.schema); diff != "" {
		t.Errorf("schema (-want +got):\n%s", diff)
	}
	if len(res.rows) != 20000 || res.rows[19999][0] != "19999" {
		t.Errorf("got %d rows, want 20000 ending with id 19999", len(res.rows))
	}
	if res.batches < 5 || res.checkpoints != 1 || res.progress != res.batches {
		t.Errorf("got %d batches, %d checkpoints, %d progress; want >= 5 batches of 128KiB, 1 checkpoint, one progress per batch",
			res.batches, res.checkpoints, res.progress)
	}

	res = grpcRead(t, c, &connectorv1.ReadRequest{ConfigJson: configJSON(root), Stream: "meta",
		OptionsJson: []byte(`{"columns": {"id": "uuid"}}`)})
	if diff := cmp.Diff([]string{"k json", "id uuid"}, res.schema); diff != "" {
		t.Errorf("meta schema (-want +got):\n%s", diff)
	}

	res = grpcRead(t, c, &connectorv1.ReadRequest{ConfigJson: configJSON(root), Stream: "items"})
	if len(res.rows) != 5 || res.err != nil {
		t.Errorf("got %d parquet rows (error %v), want 5", len(res.rows), res.err)
	}

	res = grpcRead(t, c, &connectorv1.ReadRequest{ConfigJson: configJSON(root), Stream: "missing"})
	if res.err.GetCode() != connectorv1.ErrorCode_ERROR_CODE_NOT_FOUND || !strings.Contains(res.err.GetMessage(), `no files for stream "missing"`) {
		t.Errorf("got error %v, want NOT_FOUND naming the stream", res.err)
	}
}
