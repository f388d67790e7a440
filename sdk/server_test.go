package sdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/hashicorp/go-plugin"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/logical"
	"github.com/dpone-go/dpone/sdk"
)

// memSource is an in-memory Source whose Read behaviour a test chooses.
type memSource struct {
	read  func(ctx context.Context, req sdk.ReadRequest, out sdk.RecordWriter) error
	check func(ctx context.Context, cfg json.RawMessage) error
}

func (m *memSource) Spec() sdk.Spec {
	return sdk.Spec{Name: "mem", Version: "0.0.1", ConfigSchema: `{"type":"object"}`}
}

func (m *memSource) Discover(context.Context, json.RawMessage, []string) ([]sdk.Stream, error) {
	return nil, nil
}

func (m *memSource) Read(ctx context.Context, req sdk.ReadRequest, out sdk.RecordWriter) error {
	return m.read(ctx, req, out)
}

func (m *memSource) Check(ctx context.Context, cfg json.RawMessage) error {
	if m.check == nil {
		return nil
	}
	return m.check(ctx, cfg)
}

// connect serves c through the real go-plugin gRPC adapter in-process.
func connect(t *testing.T, c sdk.Connector) connectorv1.ConnectorClient {
	t.Helper()
	client, _ := plugin.TestPluginGRPCConn(t, false, sdk.PluginSet(c, nil))
	t.Cleanup(func() { client.Close() })
	raw, err := client.Dispense("connector")
	if err != nil {
		t.Fatal(err)
	}
	return raw.(connectorv1.ConnectorClient)
}

// readAll collects a Read's messages up to the end of the stream.
func readAll(t *testing.T, rc connectorv1.ConnectorClient, req *connectorv1.ReadRequest) []*connectorv1.ReadMessage {
	t.Helper()
	rs, err := rc.Read(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []*connectorv1.ReadMessage
	for {
		m, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return msgs
		}
		if err != nil {
			t.Fatalf("Recv: %v", err)
		}
		msgs = append(msgs, m)
	}
}

var wideSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "payload", Type: arrow.BinaryTypes.String},
}, nil)

func payload(i int64) string {
	s := fmt.Sprintf("row-%09d-", i)
	return s + strings.Repeat("x", 100-len(s))
}

// TestReadSplitsLargeRecord writes one ~43 MiB record: the SDK must split it
// into batches of about the batch size, each far below gRPC's default 4 MiB
// limit (which TestPluginGRPCConn's client keeps), with every row intact.
func TestReadSplitsLargeRecord(t *testing.T) {
	const rows = 400_000 // 108 bytes a row: ~43 MiB
	src := &memSource{read: func(_ context.Context, _ sdk.ReadRequest, out sdk.RecordWriter) error {
		b := array.NewRecordBuilder(memory.DefaultAllocator, wideSchema)
		defer b.Release()
		for i := int64(0); i < rows; i++ {
			b.Field(0).(*array.Int64Builder).Append(i)
			b.Field(1).(*array.StringBuilder).Append(payload(i))
		}
		rec := b.NewRecordBatch()
		defer rec.Release()
		if size := logical.RecordBytes(rec); size < 40<<20 {
			return fmt.Errorf("test record is %d bytes, want at least 40 MiB", size)
		}
		return out.Write(rec)
	}}
	msgs := readAll(t, connect(t, src), &connectorv1.ReadRequest{Stream: "wide"})
	var batches int
	next := int64(0)
	for _, m := range msgs {
		if e := m.GetError(); e != nil {
			t.Fatalf("in-band error: %v", e)
		}
		b := m.GetBatch()
		if b == nil {
			continue
		}
		batches++
		if n := len(b.GetArrowIpc()); n >= 2<<20 {
			t.Errorf("batch %d: got %d bytes, want under 2 MiB", batches, n)
		}
		rec, err := logical.DecodeBatch(b.GetArrowIpc(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if rec.NumRows() != b.GetRows() {
			t.Errorf("batch %d: Rows says %d, record has %d", batches, b.GetRows(), rec.NumRows())
		}
		ids := rec.Column(0).(*array.Int64)
		ps := rec.Column(1).(*array.String)
		for i := 0; i < int(rec.NumRows()); i++ {
			if ids.Value(i) != next || ps.Value(i) != payload(next) {
				t.Fatalf("row %d: got id %d payload %q", next, ids.Value(i), ps.Value(i))
			}
			next++
		}
		rec.Release()
	}
	if next != rows {
		t.Errorf("got %d rows, want %d", next, rows)
	}
	if batches < 20 {
		t.Errorf("got %d batches, want the record split into at least 20", batches)
	}
}

var allCodes = []struct {
	sdk  sdk.Code
	wire connectorv1.ErrorCode
}{
	{sdk.CodeConfig, connectorv1.ErrorCode_ERROR_CODE_CONFIG},
	{sdk.CodeAuth, connectorv1.ErrorCode_ERROR_CODE_AUTH},
	{sdk.CodeConnect, connectorv1.ErrorCode_ERROR_CODE_CONNECT},
	{sdk.CodeNotFound, connectorv1.ErrorCode_ERROR_CODE_NOT_FOUND},
	{sdk.CodeSchema, connectorv1.ErrorCode_ERROR_CODE_SCHEMA},
	{sdk.CodeData, connectorv1.ErrorCode_ERROR_CODE_DATA},
	{sdk.CodeRateLimited, connectorv1.ErrorCode_ERROR_CODE_RATE_LIMITED},
	{sdk.CodeUnavailable, connectorv1.ErrorCode_ERROR_CODE_UNAVAILABLE},
	{sdk.CodeUnsupported, connectorv1.ErrorCode_ERROR_CODE_UNSUPPORTED},
	{sdk.CodeInternal, connectorv1.ErrorCode_ERROR_CODE_INTERNAL},
}

// TestErrorCodesCrossTheWire: every code a connector returns reaches the
// host as the same protocol code, in Check and in Read, with its message,
// retryability and details.
func TestErrorCodesCrossTheWire(t *testing.T) {
	for _, tc := range allCodes {
		t.Run(tc.sdk.String(), func(t *testing.T) {
			mk := func() error {
				e := sdk.Errorf(tc.sdk, "thing went wrong: %w", io.ErrUnexpectedEOF)
				e.Details = map[string]string{"table": "t"}
				return fmt.Errorf("outer context: %w", e)
			}
			src := &memSource{
				read:  func(context.Context, sdk.ReadRequest, sdk.RecordWriter) error { return mk() },
				check: func(context.Context, json.RawMessage) error { return mk() },
			}
			rc := connect(t, src)
			cr, err := rc.Check(context.Background(), &connectorv1.CheckRequest{ConfigJson: []byte(`{}`)})
			if err != nil {
				t.Fatal(err)
			}
			msgs := readAll(t, rc, &connectorv1.ReadRequest{Stream: "s"})
			if len(msgs) != 1 || msgs[0].GetError() == nil {
				t.Fatalf("Read: got %v, want one error message", msgs)
			}
			wantRetry := tc.sdk == sdk.CodeRateLimited || tc.sdk == sdk.CodeUnavailable
			for name, e := range map[string]*connectorv1.Error{"Check": cr.GetError(), "Read": msgs[0].GetError()} {
				if e.GetCode() != tc.wire || e.GetRetryable() != wantRetry || e.GetDetails()["table"] != "t" ||
					e.GetMessage() != "outer context: thing went wrong: unexpected EOF" {
					t.Errorf("%s: got %v, want code %v retryable %v with details and message", name, e, tc.wire, wantRetry)
				}
			}
		})
	}
	t.Run("uncoded", func(t *testing.T) {
		src := &memSource{read: func(context.Context, sdk.ReadRequest, sdk.RecordWriter) error { return errors.New("plain") }}
		msgs := readAll(t, connect(t, src), &connectorv1.ReadRequest{Stream: "s"})
		if len(msgs) != 1 || msgs[0].GetError().GetCode() != connectorv1.ErrorCode_ERROR_CODE_INTERNAL {
			t.Errorf("got %v, want one INTERNAL error", msgs)
		}
	})
	t.Run("bad config JSON", func(t *testing.T) {
		cr, err := connect(t, &memSource{}).Check(context.Background(), &connectorv1.CheckRequest{ConfigJson: []byte(`{`)})
		if err != nil || cr.GetError().GetCode() != connectorv1.ErrorCode_ERROR_CODE_CONFIG {
			t.Errorf("got %v, %v; want CONFIG", cr.GetError(), err)
		}
	})
}

// TestReadCancellation: a Source blocked until its context ends returns
// soon after the host cancels the Read.
func TestReadCancellation(t *testing.T) {
	started := make(chan struct{})
	returned := make(chan error, 1)
	src := &memSource{read: func(ctx context.Context, _ sdk.ReadRequest, out sdk.RecordWriter) error {
		if err := out.Schema(wideSchema); err != nil {
			return err
		}
		close(started)
		<-ctx.Done()
		returned <- ctx.Err()
		return ctx.Err()
	}}
	rc := connect(t, src)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rs, err := rc.Read(ctx, &connectorv1.ReadRequest{Stream: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if m, err := rs.Recv(); err != nil || m.GetSchema() == nil {
		t.Fatalf("first message: got %v, %v; want the schema", m, err)
	}
	<-started
	cancel()
	select {
	case err := <-returned:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("source saw %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second): // generous: it takes milliseconds
		t.Fatal("source's Read did not return after the host cancelled")
	}
	if _, err := rs.Recv(); err == nil || errors.Is(err, io.EOF) {
		t.Errorf("Recv after cancel: got %v, want a cancellation error", err)
	}
}

// TestEmptyReadNeedsSchema: a Read that ends without a schema is an error.
func TestEmptyReadNeedsSchema(t *testing.T) {
	src := &memSource{read: func(context.Context, sdk.ReadRequest, sdk.RecordWriter) error { return nil }}
	msgs := readAll(t, connect(t, src), &connectorv1.ReadRequest{Stream: "s"})
	if len(msgs) != 1 || msgs[0].GetError().GetCode() != connectorv1.ErrorCode_ERROR_CODE_INTERNAL {
		t.Errorf("got %v, want one INTERNAL error", msgs)
	}
}
