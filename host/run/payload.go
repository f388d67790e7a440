package run

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// payloadSink is a Sink that can answer a proposed native payload format
// at BeginLoad (protocol v1.2). *connector.Client is one; a sink without it
// gets Arrow.
type payloadSink interface {
	BeginLoadPayload(ctx context.Context, req *connectorv1.BeginLoadRequest) (staging, format, reason string, err error)
}

// beginLoad calls BeginLoad, proposing begin.PayloadFormat when it is set.
// It returns the staging name and the format the sink accepted ("" for
// Arrow) with the reason it gave when it refused.
func beginLoad(ctx context.Context, sink Sink, begin *connectorv1.BeginLoadRequest) (staging, format, reason string, err error) {
	ps, ok := sink.(payloadSink)
	if begin.GetPayloadFormat() == "" || !ok {
		if begin.GetPayloadFormat() != "" {
			reason = "the sink's client cannot negotiate payload formats"
		}
		staging, err = sink.BeginLoad(ctx, begin)
		return staging, "", reason, err
	}
	staging, format, reason, err = ps.BeginLoadPayload(ctx, begin)
	if err == nil && format != begin.GetPayloadFormat() {
		format = ""
	}
	return staging, format, reason, err
}

// withPayloadFormat returns req asking for format ("" leaves req as is).
func withPayloadFormat(req *connectorv1.ReadRequest, format string) *connectorv1.ReadRequest {
	if format == "" {
		return req
	}
	out := cloneRead(req)
	out.PayloadFormat = format
	return out
}

// batchBytes is the size of a batch on the wire, whatever its format.
func batchBytes(b *connectorv1.Batch) int64 {
	return int64(len(b.GetArrowIpc()) + len(b.GetPayload()))
}

// pathLine is the run report's path for the format a load used.
func pathLine(planned, format, reason string) string {
	switch {
	case format != "":
		return "passthrough " + format
	case planned != "":
		return fmt.Sprintf("arrow: the sink refused %s (%s)", planned, reason)
	}
	return ""
}

func cloneRead(req *connectorv1.ReadRequest) *connectorv1.ReadRequest {
	return proto.Clone(req).(*connectorv1.ReadRequest)
}
