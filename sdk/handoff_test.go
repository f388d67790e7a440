package sdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/logical"
	"github.com/dpone-go/dpone/sdk"
)

// relay is a source and sink of one native format ("relay"): ReadPayload
// sends n payloads "p0", "p1", ... (one row each), failing before payload
// failAt when it is set; WritePayload records what it took, failing after
// takeFail payloads when set.
type relay struct {
	n, failAt, takeFail int
	slow                time.Duration // pause between payloads
	mu                  sync.Mutex
	took                []string
	nextErr             error // what the write's last Next returned
}

var (
	_ sdk.PayloadSource      = (*relay)(nil)
	_ sdk.PayloadDestination = (*relay)(nil)
)

var relaySchema = arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.BinaryTypes.String}}, nil)

func (r *relay) Spec() sdk.Spec {
	return sdk.Spec{Name: "relay", Version: "0.0.1", ConfigSchema: `{"type":"object"}`}
}
func (r *relay) Discover(context.Context, json.RawMessage, []string) ([]sdk.Stream, error) {
	return nil, nil
}
func (r *relay) Read(context.Context, sdk.ReadRequest, sdk.RecordWriter) error {
	return errors.New("arrow read: not used")
}
func (r *relay) PayloadFormats() []string         { return []string{"relay"} }
func (r *relay) AcceptedPayloadFormats() []string { return []string{"relay"} }

func (r *relay) ReadPayload(ctx context.Context, _ sdk.ReadRequest, _ string, out sdk.PayloadWriter) error {
	if err := out.Schema(relaySchema); err != nil {
		return err
	}
	buf := make([]byte, 0, 8)
	for i := range r.n {
		if r.failAt > 0 && i == r.failAt {
			return sdk.Errorf(sdk.CodeData, "source broke at payload %d", i)
		}
		if r.slow > 0 {
			select {
			case <-time.After(r.slow):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		// One buffer for every payload: the handoff must copy it.
		buf = fmt.Appendf(buf[:0], "p%d", i)
		if err := out.WritePayload(buf, 1); err != nil {
			return err
		}
	}
	return nil
}

func (r *relay) BeginLoad(context.Context, sdk.LoadRequest) (string, error) { return "stage", nil }
func (r *relay) Write(context.Context, sdk.LoadRequest, sdk.RecordReader) (sdk.WriteResult, error) {
	return sdk.WriteResult{}, errors.New("arrow write: not used")
}
func (r *relay) CommitLoad(context.Context, sdk.LoadRequest, json.RawMessage) (sdk.CommitResult, error) {
	return sdk.CommitResult{}, nil
}
func (r *relay) AbortLoad(context.Context, sdk.LoadRequest) error { return nil }
func (r *relay) AcceptPayload(context.Context, sdk.LoadRequest, string) (string, error) {
	return "", nil
}

func (r *relay) WritePayload(_ context.Context, _ sdk.LoadRequest, _ string, in sdk.PayloadReader) (sdk.WriteResult, error) {
	var rows int64
	for {
		data, n, err := in.Next()
		if err != nil {
			r.mu.Lock()
			r.nextErr = err
			r.mu.Unlock()
			if errors.Is(err, io.EOF) {
				return sdk.WriteResult{Rows: rows}, nil
			}
			return sdk.WriteResult{Rows: rows}, err
		}
		r.mu.Lock()
		r.took = append(r.took, string(data))
		r.mu.Unlock()
		rows += n
		if r.takeFail > 0 && len(r.took) == r.takeFail {
			return sdk.WriteResult{Rows: rows}, sdk.Errorf(sdk.CodeUnavailable, "sink broke after %d payloads", rows)
		}
	}
}

func (r *relay) result() ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.took...), r.nextErr
}

// handoffRun opens a Write naming handoff id, then a Read naming it, and
// returns the read's batches (rows, handoff bytes, payload bytes) with its
// in-band error, and the write's rows with its error. closeEarly closes the
// write stream before the read is consumed (a host that gives up).
type handoffOutcome struct {
	rows, handedBytes, payloadBytes int64
	readErr, writeErr               string
	// readCode and readRetryable are the read's in-band error's.
	readCode      connectorv1.ErrorCode
	readRetryable bool
	writeRows     int64
}

func handoffRun(t *testing.T, rc connectorv1.ConnectorClient, id string, closeEarly bool, cancelRead bool) handoffOutcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	begin := &connectorv1.BeginLoadRequest{LoadId: "l1", Target: &connectorv1.TableRef{Name: "t"}, Mode: "full_refresh",
		Schema: mustSchema(t), PayloadFormat: "relay"}
	ws, err := rc.Write(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.Send(&connectorv1.WriteMessage{Msg: &connectorv1.WriteMessage_Header{Header: &connectorv1.WriteHeader{
		LoadId: "l1", Begin: begin, PayloadHandoff: id}}}); err != nil {
		t.Fatal(err)
	}
	var out handoffOutcome
	if closeEarly {
		wr, err := ws.CloseAndRecv()
		if err != nil {
			t.Fatal(err)
		}
		out.writeRows, out.writeErr = wr.GetRows(), wr.GetError().GetMessage()
	}
	readCtx, cancelR := context.WithCancel(ctx)
	defer cancelR()
	rs, err := rc.Read(readCtx, &connectorv1.ReadRequest{Stream: "s", Mode: connectorv1.SourceMode_SOURCE_MODE_FULL,
		PayloadFormat: "relay", PayloadHandoff: id})
	if err != nil {
		t.Fatal(err)
	}
	for {
		m, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			out.readErr = err.Error()
			break
		}
		if b := m.GetBatch(); b != nil {
			out.rows += b.GetRows()
			out.handedBytes += b.GetHandoffBytes()
			out.payloadBytes += int64(len(b.GetPayload()))
			if cancelRead && out.rows == 2 {
				cancelR()
			}
		}
		if e := m.GetError(); e != nil {
			out.readErr, out.readCode, out.readRetryable = e.GetMessage(), e.GetCode(), e.GetRetryable()
		}
	}
	if !closeEarly {
		wr, err := ws.CloseAndRecv()
		if err != nil {
			t.Fatal(err)
		}
		out.writeRows, out.writeErr = wr.GetRows(), wr.GetError().GetMessage()
	}
	return out
}

func mustSchema(t *testing.T) *connectorv1.Schema {
	t.Helper()
	s, err := logical.SchemaMessage(relaySchema)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestHandoffPassesPayloads: a Read and a Write of one process naming the
// same handoff id move every payload in memory, in order, as copies (the
// source reuses its buffer); the read stream carries rows and sizes only.
// Declared only by a connector that is a payload source and sink.
func TestHandoffPassesPayloads(t *testing.T) {
	r := &relay{n: 50}
	rc := connect(t, r)
	spec, err := rc.GetSpec(context.Background(), &connectorv1.GetSpecRequest{})
	if err != nil || !spec.GetCapabilities().GetPayloadHandoff() {
		t.Fatalf("capabilities.payload_handoff not set for a payload source and sink (err %v)", err)
	}
	if c := connectSpec(t, &memSource{}); c.GetPayloadHandoff() {
		t.Fatal("capabilities.payload_handoff set for a connector with no payload format")
	}
	out := handoffRun(t, rc, "h1", false, false)
	if out.readErr != "" || out.writeErr != "" {
		t.Fatalf("read error %q, write error %q", out.readErr, out.writeErr)
	}
	if out.rows != 50 || out.writeRows != 50 || out.payloadBytes != 0 || out.handedBytes == 0 {
		t.Fatalf("read %d rows (%d bytes handed over, %d on the stream), write %d rows", out.rows, out.handedBytes, out.payloadBytes, out.writeRows)
	}
	took, nextErr := r.result()
	for i, p := range took {
		if p != fmt.Sprintf("p%d", i) {
			t.Fatalf("payload %d: took %q", i, p)
		}
	}
	if len(took) != 50 || !errors.Is(nextErr, io.EOF) {
		t.Fatalf("took %d payloads, last Next %v", len(took), nextErr)
	}
}

// TestHandoffFailures: a failure on either side, or a host that gives up,
// never reaches the other side as a clean end.
func TestHandoffFailures(t *testing.T) {
	t.Run("read fails", func(t *testing.T) {
		r := &relay{n: 20, failAt: 7}
		out := handoffRun(t, connect(t, r), "h", false, false)
		took, nextErr := r.result()
		if !strings.Contains(out.readErr, "source broke") || !strings.Contains(out.writeErr, "source broke") || errors.Is(nextErr, io.EOF) {
			t.Fatalf("read error %q, write error %q, the sink's last Next %v (took %d)", out.readErr, out.writeErr, nextErr, len(took))
		}
	})
	t.Run("write fails", func(t *testing.T) {
		r := &relay{n: 40, takeFail: 3}
		out := handoffRun(t, connect(t, r), "h", false, false)
		if !strings.Contains(out.writeErr, "sink broke") || !strings.Contains(out.readErr, "sink broke") {
			t.Fatalf("read error %q, write error %q", out.readErr, out.writeErr)
		}
		// The read fails because of the write: it carries the write's
		// code, so the host may retry a retryable sink failure whichever
		// side's error it sees first.
		if out.readCode != connectorv1.ErrorCode_ERROR_CODE_UNAVAILABLE || !out.readRetryable {
			t.Fatalf("read error %q: code %v, retryable %v; want the write's UNAVAILABLE, retryable", out.readErr, out.readCode, out.readRetryable)
		}
	})
	t.Run("host closes the write first", func(t *testing.T) {
		r := &relay{n: 30, slow: 5 * time.Millisecond}
		out := handoffRun(t, connect(t, r), "h", true, false)
		_, nextErr := r.result()
		if !strings.Contains(out.writeErr, "host ended the write") || errors.Is(nextErr, io.EOF) || out.readErr == "" {
			t.Fatalf("read error %q, write error %q, the sink's last Next %v", out.readErr, out.writeErr, nextErr)
		}
	})
	t.Run("read cancelled", func(t *testing.T) {
		r := &relay{n: 1000, slow: time.Millisecond}
		out := handoffRun(t, connect(t, r), "h", false, true)
		_, nextErr := r.result()
		if out.writeErr == "" || errors.Is(nextErr, io.EOF) {
			t.Fatalf("read error %q, write error %q (rows %d), the sink's last Next %v", out.readErr, out.writeErr, out.writeRows, nextErr)
		}
	})
}

func connectSpec(t *testing.T, c sdk.Connector) *connectorv1.Capabilities {
	t.Helper()
	spec, err := connect(t, c).GetSpec(context.Background(), &connectorv1.GetSpecRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return spec.GetCapabilities()
}
