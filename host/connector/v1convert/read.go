package v1convert

import (
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/dpone-go/dpone/host/catalog"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// WireRead converts a read request.
func WireRead(r *catalog.ReadRequest) *connectorv1.ReadRequest {
	if r == nil {
		return nil
	}
	return &connectorv1.ReadRequest{ConfigJson: r.ConfigJSON, Namespace: r.Namespace, Stream: r.Stream,
		Columns: r.Columns, Mode: wireSourceModes[r.Mode], PriorState: r.PriorState, Partition: r.Partition,
		OptionsJson: r.OptionsJSON, BatchBytes: r.BatchBytes, PayloadFormat: r.PayloadFormat,
		PayloadHandoff: r.PayloadHandoff, CursorRange: wireCursorRange(r.CursorRange)}
}

func wireCursorRange(r *catalog.CursorRange) *connectorv1.CursorRange {
	if r == nil {
		return nil
	}
	return &connectorv1.CursorRange{Lower: r.Lower, Upper: r.Upper}
}

// Read converts a v1 read request.
func Read(r *connectorv1.ReadRequest) *catalog.ReadRequest {
	if r == nil {
		return nil
	}
	return &catalog.ReadRequest{ConfigJSON: r.GetConfigJson(), Namespace: r.GetNamespace(), Stream: r.GetStream(),
		Columns: r.GetColumns(), Mode: sourceModes[r.GetMode()], PriorState: r.GetPriorState(), Partition: r.GetPartition(),
		OptionsJSON: r.GetOptionsJson(), BatchBytes: r.GetBatchBytes(), PayloadFormat: r.GetPayloadFormat(),
		PayloadHandoff: r.GetPayloadHandoff(), CursorRange: cursorRange(r.GetCursorRange())}
}

func cursorRange(r *connectorv1.CursorRange) *catalog.CursorRange {
	if r == nil {
		return nil
	}
	return &catalog.CursorRange{Lower: r.GetLower(), Upper: r.GetUpper()}
}

// ReadJSON renders a read request as protojson with the protocol's field
// names, the form `dpone plan` shows.
func ReadJSON(r *catalog.ReadRequest) ([]byte, error) {
	return protojson.MarshalOptions{UseProtoNames: true}.Marshal(WireRead(r))
}

// WirePartition converts a partition request.
func WirePartition(r *catalog.PartitionRequest) *connectorv1.PartitionRequest {
	return &connectorv1.PartitionRequest{ConfigJson: r.ConfigJSON, Namespace: r.Namespace, Stream: r.Stream,
		Count: r.Count, OptionsJson: r.OptionsJSON, PriorState: r.PriorState}
}

var logLevels = map[connectorv1.Log_Level]catalog.LogLevel{
	connectorv1.Log_LEVEL_UNSPECIFIED: catalog.LogUnspecified,
	connectorv1.Log_LEVEL_DEBUG:       catalog.LogDebug,
	connectorv1.Log_LEVEL_INFO:        catalog.LogInfo,
	connectorv1.Log_LEVEL_WARN:        catalog.LogWarn,
	connectorv1.Log_LEVEL_ERROR:       catalog.LogError,
}

var wireLogLevels = invert(logLevels)

// logLevel maps a level; one from a newer minor reads as error when above
// error, as unspecified otherwise.
func logLevel(l connectorv1.Log_Level) catalog.LogLevel {
	if v, ok := logLevels[l]; ok {
		return v
	}
	if l > connectorv1.Log_LEVEL_ERROR {
		return catalog.LogError
	}
	return catalog.LogUnspecified
}

// ReadMessage converts one message of a read. The batch's bytes are
// shared, not copied; an error message, or a kind this host does not know
// (a newer minor), reads as MessageUnspecified: the connector client maps
// errors before converting.
func ReadMessage(m *connectorv1.ReadMessage) catalog.ReadMessage {
	switch v := m.GetMsg().(type) {
	case *connectorv1.ReadMessage_Batch:
		return catalog.ReadMessage{Kind: catalog.MessageBatch,
			Batch: catalog.Batch{ArrowIPC: v.Batch.GetArrowIpc(), Rows: v.Batch.GetRows(), Payload: v.Batch.GetPayload(),
				HandoffBytes: v.Batch.GetHandoffBytes()}}
	case *connectorv1.ReadMessage_Schema:
		return catalog.ReadMessage{Kind: catalog.MessageSchema, Schema: Schema(v.Schema)}
	case *connectorv1.ReadMessage_Checkpoint:
		return catalog.ReadMessage{Kind: catalog.MessageCheckpoint, Checkpoint: v.Checkpoint.GetState()}
	case *connectorv1.ReadMessage_Progress:
		p := v.Progress
		return catalog.ReadMessage{Kind: catalog.MessageProgress,
			Progress: catalog.Progress{Rows: p.GetRows(), Bytes: p.GetBytes(), RowsEstimate: p.GetRowsEstimate()}}
	case *connectorv1.ReadMessage_Log:
		return catalog.ReadMessage{Kind: catalog.MessageLog,
			Log: catalog.Log{Level: logLevel(v.Log.GetLevel()), Message: v.Log.GetMessage()}}
	}
	return catalog.ReadMessage{}
}

// WireReadMessage converts one message of a read (for fakes and plugins
// in tests).
func WireReadMessage(m catalog.ReadMessage) *connectorv1.ReadMessage {
	switch m.Kind {
	case catalog.MessageBatch:
		return &connectorv1.ReadMessage{Msg: &connectorv1.ReadMessage_Batch{Batch: WireBatch(m.Batch)}}
	case catalog.MessageSchema:
		return &connectorv1.ReadMessage{Msg: &connectorv1.ReadMessage_Schema{Schema: WireSchema(m.Schema)}}
	case catalog.MessageCheckpoint:
		return &connectorv1.ReadMessage{Msg: &connectorv1.ReadMessage_Checkpoint{Checkpoint: &connectorv1.Checkpoint{State: m.Checkpoint}}}
	case catalog.MessageProgress:
		p := m.Progress
		return &connectorv1.ReadMessage{Msg: &connectorv1.ReadMessage_Progress{Progress: &connectorv1.Progress{
			Rows: p.Rows, Bytes: p.Bytes, RowsEstimate: p.RowsEstimate}}}
	case catalog.MessageLog:
		return &connectorv1.ReadMessage{Msg: &connectorv1.ReadMessage_Log{Log: &connectorv1.Log{
			Level: wireLogLevels[m.Log.Level], Message: m.Log.Message}}}
	}
	return &connectorv1.ReadMessage{}
}

// WireBatch converts a batch; the bytes are shared, not copied.
func WireBatch(b catalog.Batch) *connectorv1.Batch {
	return &connectorv1.Batch{ArrowIpc: b.ArrowIPC, Rows: b.Rows, Payload: b.Payload, HandoffBytes: b.HandoffBytes}
}
