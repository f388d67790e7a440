package v1convert

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/dpone-go/dpone/host/catalog"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// TestReadRoundTrip: every field of a v1 ReadRequest survives the trip
// through the host's type (what plan resolves is what the plugin gets).
func TestReadRoundTrip(t *testing.T) {
	in := &connectorv1.ReadRequest{ConfigJson: []byte(`{"dsn":"x"}`), Stream: "orders", Columns: []string{"id", "at"},
		Mode: connectorv1.SourceMode_SOURCE_MODE_INCREMENTAL, PriorState: []byte(`{"v":1}`), Partition: []byte("0-9"),
		OptionsJson: []byte(`{"incremental_column":"at"}`), BatchBytes: 1 << 20, Namespace: "public", PayloadFormat: "pg-binary-copy",
		CursorRange: &connectorv1.CursorRange{Lower: "2024-01-01", Upper: "2024-01-02"}}
	if got := WireRead(Read(in)); !proto.Equal(got, in) {
		t.Errorf("got %v, want %v", got, in)
	}
	p := &catalog.PartitionRequest{ConfigJSON: []byte("{}"), Namespace: "public", Stream: "orders", Count: 4,
		OptionsJSON: []byte("{}"), PriorState: []byte("s")}
	want := &connectorv1.PartitionRequest{ConfigJson: []byte("{}"), Namespace: "public", Stream: "orders", Count: 4,
		OptionsJson: []byte("{}"), PriorState: []byte("s")}
	if got := WirePartition(p); !proto.Equal(got, want) {
		t.Errorf("partition: got %v, want %v", got, want)
	}
}

// TestReadMessageRoundTrip: each kind of read message converts both ways,
// and a batch shares its bytes with the wire message (no copy).
func TestReadMessageRoundTrip(t *testing.T) {
	ipc := []byte("arrow ipc bytes")
	msgs := []*connectorv1.ReadMessage{
		{Msg: &connectorv1.ReadMessage_Schema{Schema: &connectorv1.Schema{Fields: []*connectorv1.Field{{Name: "id",
			Type: &connectorv1.LogicalType{Kind: connectorv1.TypeKind_TYPE_KIND_INT64}}}, ArrowSchema: []byte("s")}}},
		{Msg: &connectorv1.ReadMessage_Batch{Batch: &connectorv1.Batch{ArrowIpc: ipc, Rows: 7}}},
		{Msg: &connectorv1.ReadMessage_Batch{Batch: &connectorv1.Batch{Payload: []byte("native rows"), Rows: 3}}},
		{Msg: &connectorv1.ReadMessage_Checkpoint{Checkpoint: &connectorv1.Checkpoint{State: []byte(`{"id":7}`)}}},
		{Msg: &connectorv1.ReadMessage_Progress{Progress: &connectorv1.Progress{Rows: 7, Bytes: 99, RowsEstimate: 10}}},
		{Msg: &connectorv1.ReadMessage_Log{Log: &connectorv1.Log{Level: connectorv1.Log_LEVEL_WARN, Message: "slow"}}},
	}
	kinds := []catalog.MessageKind{catalog.MessageSchema, catalog.MessageBatch, catalog.MessageBatch, catalog.MessageCheckpoint,
		catalog.MessageProgress, catalog.MessageLog}
	for i, in := range msgs {
		m := ReadMessage(in)
		if m.Kind != kinds[i] {
			t.Errorf("message %d: got kind %s, want %s", i, m.Kind, kinds[i])
		}
		if got := WireReadMessage(m); !proto.Equal(got, in) {
			t.Errorf("message %d: got %v, want %v", i, got, in)
		}
	}
	b := ReadMessage(msgs[1]).Batch
	if &b.ArrowIPC[0] != &ipc[0] {
		t.Errorf("batch bytes were copied, want them shared with the wire message")
	}
	if w := WireBatch(b); &w.ArrowIpc[0] != &ipc[0] {
		t.Errorf("wire batch bytes were copied, want them shared")
	}
	if m := ReadMessage(&connectorv1.ReadMessage{}); m.Kind != catalog.MessageUnspecified {
		t.Errorf("empty message: got kind %s, want unspecified", m.Kind)
	}
	if m := ReadMessage(&connectorv1.ReadMessage{Msg: &connectorv1.ReadMessage_Log{Log: &connectorv1.Log{Level: 9}}}); m.Log.Level != catalog.LogError {
		t.Errorf("log level from a newer minor: got %s, want error", m.Log.Level)
	}
}
