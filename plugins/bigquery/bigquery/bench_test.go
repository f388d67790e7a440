package bigquery

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	bqstorage "cloud.google.com/go/bigquery/storage/apiv1"
	"cloud.google.com/go/bigquery/storage/apiv1/storagepb"
	"github.com/apache/arrow-go/v18/arrow"
	bq "google.golang.org/api/bigquery/v2"
	"google.golang.org/grpc"
)

// BenchmarkProtoRows measures serializing rows for the Storage Write API
// (write_api storage_write): the typesSchema record, per row.
func BenchmarkProtoRows(b *testing.B) {
	t := &testing.T{}
	rec := typesRecord(t, typesSchema(), 0, 1000)
	defer rec.Release()
	cols := rec.Columns()
	b.ResetTimer()
	var buf []byte
	total := 0
	for i := 0; i < b.N; i++ {
		var err error
		if buf, err = appendRow(buf[:0], cols, i%1000); err != nil {
			b.Fatal(err)
		}
		total += len(buf)
	}
	b.ReportMetric(float64(total)/float64(b.N), "bytes/row")
}

// BenchmarkRowDecoder measures decoding REST rows (tabledata.list,
// jobs.getQueryResults) into Arrow, per row of five scalar columns.
func BenchmarkRowDecoder(b *testing.B) {
	fields := []*bq.TableFieldSchema{{Name: "id", Type: "INT64"}, {Name: "ts", Type: "TIMESTAMP"},
		{Name: "n", Type: "NUMERIC"}, {Name: "s", Type: "STRING"}, {Name: "d", Type: "DATE"}}
	row := `{"f":[{"v":"123456"},{"v":"1764885600123456"},{"v":"12345.678900000"},{"v":"` + strings.Repeat("x", 40) + `"},{"v":"2026-12-04"}]}`
	rows := restRows(&testing.T{}, `{"rows":[`+strings.Repeat(row+",", 999)+row+`]}`)
	d := newRowDecoder(fields)
	defer d.release()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := d.append(rows[i%1000]); err != nil {
			b.Fatal(err)
		}
		if d.rows == 1000 {
			d.flush().Release()
		}
	}
}

// BenchmarkAppendWindow appends 64 requests through a local Storage
// Write gRPC server that answers each request 2 ms after it arrives (a
// network round trip; requests are answered in order, concurrently), with
// one request in flight and with appendWindow: the time per Write is
// latency-bound without pipelining.
func BenchmarkAppendWindow(b *testing.B) {
	rec := bigRows(640, 90)
	defer rec.Release()
	for _, w := range []int{1, appendWindow} {
		b.Run(fmt.Sprintf("window_%d", w), func(b *testing.B) {
			lis, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			srv := grpc.NewServer()
			storagepb.RegisterBigQueryWriteServer(srv, &delayServer{delay: 2 * time.Millisecond})
			go srv.Serve(lis)
			defer srv.Stop()
			ctx := context.Background()
			wc, err := bqstorage.NewBigQueryWriteClient(ctx, storageOptions(Config{StorageEndpoint: lis.Addr().String()})...)
			if err != nil {
				b.Fatal(err)
			}
			defer wc.Close()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				stream, err := wc.AppendRows(ctx)
				if err != nil {
					b.Fatal(err)
				}
				a := &appender{stream: stream, name: "s", limit: 1000, window: w}
				if _, err := a.appendAll(&sliceReader{schema: rec.Schema(), recs: []arrow.RecordBatch{rec}}); err != nil {
					b.Fatal(err)
				}
				_ = stream.CloseSend()
				if len(a.sizes) != 64 {
					b.Fatalf("requests: got %d, want 64", len(a.sizes))
				}
			}
		})
	}
}

// delayServer answers every AppendRows request delay after it arrived,
// in order.
type delayServer struct {
	storagepb.UnimplementedBigQueryWriteServer
	delay time.Duration
}

func (s *delayServer) AppendRows(stream storagepb.BigQueryWrite_AppendRowsServer) error {
	due := make(chan time.Time, 1024)
	done := make(chan error, 1)
	go func() {
		for at := range due {
			time.Sleep(time.Until(at))
			if err := stream.Send(&storagepb.AppendRowsResponse{Response: &storagepb.AppendRowsResponse_AppendResult_{
				AppendResult: &storagepb.AppendRowsResponse_AppendResult{}}}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for {
		if _, err := stream.Recv(); err != nil {
			close(due)
			return <-done
		}
		due <- time.Now().Add(s.delay)
	}
}
