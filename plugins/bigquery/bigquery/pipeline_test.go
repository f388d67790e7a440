package bigquery

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	bqstorage "cloud.google.com/go/bigquery/storage/apiv1"
	"cloud.google.com/go/bigquery/storage/apiv1/storagepb"
	"github.com/apache/arrow-go/v18/arrow"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/dpone-go/dpone/sdk"
)

// writeServer is a local BigQuery Storage Write service (the gRPC
// protocol, no database): it answers AppendRows in order, holding its
// answers until appendWindow requests wait (or the client stops sending
// for a second), so a client that waits for each answer before the next
// request shows one request in flight. It records the offsets it got and
// refuses one out of sequence, as BigQuery does.
type writeServer struct {
	storagepb.UnimplementedBigQueryWriteServer
	failAt int64 // offset whose request is refused with a row error; -1: none

	mu       sync.Mutex
	offsets  []int64
	rows     int64
	inFlight int // most requests received and not yet answered
}

func (s *writeServer) AppendRows(stream storagepb.BigQueryWrite_AppendRowsServer) error {
	reqs := make(chan *storagepb.AppendRowsRequest, 64)
	go func() {
		defer close(reqs)
		for {
			r, err := stream.Recv()
			if err != nil {
				return
			}
			reqs <- r
		}
	}()
	var pending []*storagepb.AppendRowsRequest
	open, next := true, int64(0)
	for open || len(pending) > 0 {
		if open && len(pending) < appendWindow {
			select {
			case r, ok := <-reqs:
				if !ok {
					open = false
					continue
				}
				pending = append(pending, r)
				s.mu.Lock()
				s.inFlight = max(s.inFlight, len(pending))
				s.mu.Unlock()
				continue
			case <-time.After(time.Second):
			}
		}
		if len(pending) == 0 {
			continue
		}
		r := pending[0]
		pending = pending[1:]
		off, n := r.GetOffset().GetValue(), int64(len(r.GetProtoRows().GetRows().GetSerializedRows()))
		s.mu.Lock()
		s.offsets = append(s.offsets, off)
		s.mu.Unlock()
		var resp *storagepb.AppendRowsResponse
		switch {
		case off != next:
			resp = &storagepb.AppendRowsResponse{Response: &storagepb.AppendRowsResponse_Error{Error: statusProto(11, "offset out of sequence")}}
		case off == s.failAt:
			resp = &storagepb.AppendRowsResponse{Response: &storagepb.AppendRowsResponse_Error{Error: statusProto(3, "rows refused")},
				RowErrors: []*storagepb.RowError{{Index: 1, Message: "bad value"}}}
		default:
			next += n
			s.mu.Lock()
			s.rows += n
			s.mu.Unlock()
			resp = &storagepb.AppendRowsResponse{Response: &storagepb.AppendRowsResponse_AppendResult_{
				AppendResult: &storagepb.AppendRowsResponse_AppendResult{Offset: wrapperspb.Int64(off)}}}
		}
		if err := stream.Send(resp); err != nil {
			return err
		}
	}
	return nil
}

// appendThrough appends recs through a real gRPC client connected to s,
// in requests of at most limit bytes.
func appendThrough(t *testing.T, s *writeServer, limit int, recs ...arrow.RecordBatch) (sdk.WriteResult, error) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	storagepb.RegisterBigQueryWriteServer(srv, s)
	go srv.Serve(lis)
	defer srv.Stop()
	ctx := context.Background()
	wc, err := bqstorage.NewBigQueryWriteClient(ctx, storageOptions(Config{StorageEndpoint: lis.Addr().String()})...)
	if err != nil {
		t.Fatal(err)
	}
	defer wc.Close()
	stream, err := wc.AppendRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a := &appender{stream: stream, name: "projects/p/datasets/d/tables/t/streams/s", desc: &storagepb.ProtoSchema{}, limit: limit}
	res, err := a.appendAll(&sliceReader{schema: recs[0].Schema(), recs: recs})
	_ = stream.CloseSend()
	return res, err
}

// TestAppendPipelines: several AppendRows requests are in flight at once
// (at most appendWindow), at consecutive explicit offsets, each offset
// sent once, and every row acknowledged before appendAll returns.
func TestAppendPipelines(t *testing.T) {
	rec := bigRows(40, 100)
	defer rec.Release()
	s := &writeServer{failAt: -1}
	res, err := appendThrough(t, s, 1000, rec)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 40 || s.rows != 40 {
		t.Errorf("rows: got %d written, %d acknowledged, want 40", res.Rows, s.rows)
	}
	if s.inFlight < 2 || s.inFlight > appendWindow {
		t.Errorf("requests in flight: got at most %d, want 2..%d (pipelined, bounded)", s.inFlight, appendWindow)
	}
	seen := map[int64]bool{}
	for i, off := range s.offsets {
		if seen[off] || i > 0 && off <= s.offsets[i-1] {
			t.Errorf("offsets: got %v, want increasing, each once", s.offsets)
			break
		}
		seen[off] = true
	}
}

// TestAppendPipelineFailure: a refused request in the window fails the
// Write with the refused row's offset; nothing is re-sent (each offset
// reached the server once), so a retry of the load cannot double rows.
func TestAppendPipelineFailure(t *testing.T) {
	rec := bigRows(40, 100)
	defer rec.Release()
	s := &writeServer{failAt: -1}
	if _, err := appendThrough(t, s, 1000, rec); err != nil {
		t.Fatal(err)
	}
	fail := s.offsets[2] // the third request's offset
	s = &writeServer{failAt: fail}
	_, err := appendThrough(t, s, 1000, rec)
	if sdk.CodeOf(err) != sdk.CodeData || !strings.Contains(err.Error(), "row "+itoa(fail+1)+": bad value") {
		t.Fatalf("got %v, want DATA naming row %d", err, fail+1)
	}
	seen := map[int64]int{}
	for _, off := range s.offsets {
		seen[off]++
		if seen[off] > 1 {
			t.Errorf("offset %d sent %d times, want once", off, seen[off])
		}
	}
	if errors.Is(err, io.EOF) {
		t.Errorf("got %v, want the server's refusal", err)
	}
}
