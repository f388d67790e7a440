package run

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/dpone-go/dpone/host/catalog"
)

// payloadSink is a Sink that can answer a proposed native payload format
// at BeginLoad (protocol v1.2). *connector.Client is one; a sink without it
// gets Arrow.
type payloadSink interface {
	BeginLoadPayload(ctx context.Context, req *catalog.BeginLoad) (staging, format, reason string, err error)
}

// beginLoad calls BeginLoad, proposing begin.PayloadFormat when it is set.
// It returns the staging name and the format the sink accepted ("" for
// Arrow) with the reason it gave when it refused.
func beginLoad(ctx context.Context, sink Sink, begin *catalog.BeginLoad) (staging, format, reason string, err error) {
	ps, ok := sink.(payloadSink)
	if begin.PayloadFormat == "" || !ok {
		if begin.PayloadFormat != "" {
			reason = "the sink's client cannot negotiate payload formats"
		}
		staging, err = sink.BeginLoad(ctx, begin)
		return staging, "", reason, err
	}
	staging, format, reason, err = ps.BeginLoadPayload(ctx, begin)
	if err == nil && format != begin.PayloadFormat {
		format = ""
	}
	return staging, format, reason, err
}

// withPayloadFormat returns req asking for format ("" leaves req as is).
func withPayloadFormat(req *catalog.ReadRequest, format string) *catalog.ReadRequest {
	if format == "" {
		return req
	}
	out := req.Clone()
	out.PayloadFormat = format
	return out
}

// batchBytes is the size of a batch, whatever its format: on the wire, or
// handed over in the plugin's process.
func batchBytes(b catalog.Batch) int64 {
	return int64(len(b.ArrowIPC)+len(b.Payload)) + b.HandoffBytes
}

// newHandoffID names one read's in-process handoff (protocol v1.4):
// unique in the plugin process, which may serve several runs' reads.
func newHandoffID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "h-" + hex.EncodeToString(b[:])
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
