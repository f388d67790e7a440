package sdktest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/proto/logical"
	"github.com/dpone-go/dpone/sdk"
	"github.com/dpone-go/dpone/sdk/sdktest"
)

// memNative is the mem connector with a native payload format, "mem-ipc"
// (one Arrow IPC stream per payload), on both sides. With swapRow, its
// native reads send the first row twice and not the second: the row count
// stays right, the rows do not.
type memNative struct {
	*mem
	swapRow bool
}

var (
	_ sdk.PayloadSource      = memNative{}
	_ sdk.PayloadDestination = memNative{}
)

func (m memNative) PayloadFormats() []string         { return []string{"mem-ipc"} }
func (m memNative) AcceptedPayloadFormats() []string { return []string{"mem-ipc"} }

func (m memNative) Discover(ctx context.Context, raw json.RawMessage, sel []string) ([]sdk.Stream, error) {
	streams, err := m.mem.Discover(ctx, raw, sel)
	for i := range streams {
		if streams[i].Name == "events" {
			streams[i].PayloadFormats = m.PayloadFormats()
		}
	}
	return streams, err
}

// payloadOut turns a Read's records into payloads; with swapRow, the
// second one-row record is sent as the first again.
type payloadOut struct {
	sdk.PayloadWriter
	swapRow bool
	first   *[]byte
	n       *int
}

func (p payloadOut) Write(rec arrow.RecordBatch) error {
	b, err := logical.EncodeBatch(rec)
	if err != nil {
		return err
	}
	*p.n++
	switch {
	case *p.n == 1:
		*p.first = b
	case *p.n == 2 && p.swapRow && rec.NumRows() == 1:
		b = *p.first
	}
	return p.WritePayload(b, rec.NumRows())
}

func (m memNative) ReadPayload(ctx context.Context, req sdk.ReadRequest, _ string, out sdk.PayloadWriter) error {
	return m.mem.Read(ctx, req, payloadOut{PayloadWriter: out, swapRow: m.swapRow, first: new([]byte), n: new(int)})
}

func (m memNative) AcceptPayload(context.Context, sdk.LoadRequest, string) (string, error) {
	return "", nil
}

// payloadRecords reads payloads back as records.
type payloadRecords struct {
	in     sdk.PayloadReader
	schema *arrow.Schema
}

func (r payloadRecords) Schema() *arrow.Schema { return r.schema }

func (r payloadRecords) Next() (arrow.RecordBatch, error) {
	data, _, err := r.in.Next()
	if err != nil {
		return nil, err
	}
	// data is valid until the next Next (the in-process handoff reuses
	// it); the record outlives that in the mem store.
	return logical.DecodeBatch(bytes.Clone(data), nil)
}

func (m memNative) WritePayload(ctx context.Context, req sdk.LoadRequest, _ string, in sdk.PayloadReader) (sdk.WriteResult, error) {
	return m.mem.Write(ctx, req, payloadRecords{in: in, schema: req.Schema})
}

func memNativeFixture(swapRow bool) sdktest.Fixture {
	st := newStore()
	f := memFixtureOn(st, bugs{})
	f.Factory = func() sdk.Connector { return memNative{mem: memFactory(st, bugs{})().(*mem), swapRow: swapRow} }
	return f
}

// TestPayloadCheck: a connector whose native payloads carry the stream's
// rows passes payload/events; one whose payloads carry other rows (right
// count, wrong rows) fails it, and nothing else.
func TestPayloadCheck(t *testing.T) {
	for _, swap := range []bool{false, true} {
		var out strings.Builder
		r := sdktest.NewRunner("certify", &out, false)
		rep := sdktest.Run(r, memNativeFixture(swap), sdktest.Options{})
		var failed []string
		status := ""
		for _, c := range rep.Checks {
			if c.Status == sdktest.Fail {
				failed = append(failed, c.Name)
			}
			if c.Name == "payload/events" {
				status = string(c.Status)
			}
		}
		want := []string(nil)
		if swap {
			want = []string{"payload/events"}
		}
		if !slices.Equal(failed, want) || status == "" {
			t.Errorf("swapRow %v: failed checks %v (payload/events: %q), want %v\n%s", swap, failed, status, want, rep.Table())
		}
	}
}
