package sdk_test

import (
	"context"
	"testing"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/sdk"
)

// rangeSource declares cursor_range and records the range it was sent.
type rangeSource struct {
	memSource
	got *sdk.CursorRange
}

func (r *rangeSource) Spec() sdk.Spec {
	s := r.memSource.Spec()
	s.CursorRange = true
	return s
}

func (r *rangeSource) Read(_ context.Context, req sdk.ReadRequest, out sdk.RecordWriter) error {
	r.got = req.CursorRange
	return out.Schema(wideSchema)
}

// TestCursorRangeCapability: a ranged Read reaches a source that declares
// cursor_range, typed; a source that does not gets UNSUPPORTED, never a
// whole-stream read; the capability travels in GetSpec.
func TestCursorRangeCapability(t *testing.T) {
	rng := &connectorv1.CursorRange{Lower: "1", Upper: "9"}
	called := false
	plain := &memSource{read: func(context.Context, sdk.ReadRequest, sdk.RecordWriter) error {
		called = true
		return nil
	}}
	msgs := readAll(t, connect(t, plain), &connectorv1.ReadRequest{Stream: "s", CursorRange: rng})
	if called || len(msgs) != 1 || msgs[0].GetError().GetCode() != connectorv1.ErrorCode_ERROR_CODE_UNSUPPORTED {
		t.Errorf("source without cursor_range: read called %v, got %v; want one UNSUPPORTED error and no read", called, msgs)
	}
	src := &rangeSource{}
	rc := connect(t, src)
	spec, err := rc.GetSpec(context.Background(), &connectorv1.GetSpecRequest{})
	if err != nil || !spec.GetCapabilities().GetCursorRange() {
		t.Fatalf("GetSpec: %v, cursor_range %v; want true", err, spec.GetCapabilities().GetCursorRange())
	}
	readAll(t, rc, &connectorv1.ReadRequest{Stream: "s", CursorRange: rng})
	if src.got == nil || *src.got != (sdk.CursorRange{Lower: "1", Upper: "9"}) {
		t.Errorf("source got range %v, want [1, 9)", src.got)
	}
}
