package connector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector/v1convert"
)

// BenchmarkRead measures host<-plugin Read throughput through a real child
// process: a synthetic 8-column stream (int64, int32, float64, two strings,
// timestamp, nullable bool, decimal) in ~1 MiB Arrow batches. One op reads
// benchRows rows. Variants:
//
//	recv        the plugin resends one encoding; the host only receives
//	decode      ... and the host decodes every batch into an Arrow record
//	encode      the plugin encodes every batch (as the SDK does); host receives
//	encode+decode both
func BenchmarkRead(b *testing.B) {
	const benchRows = 2_000_000
	c := launchTest(b, LaunchOptions{})
	for _, v := range []struct {
		name           string
		encode, decode bool
	}{
		{"recv", false, false},
		{"decode", false, true},
		{"encode", true, false},
		{"encode+decode", true, true},
	} {
		b.Run(v.name, func(b *testing.B) {
			opts := fmt.Appendf(nil, `{"rows":%d,"encode":%v}`, benchRows, v.encode)
			var rows, bytes int64
			for b.Loop() {
				r, n, err := drainRead(c, opts, v.decode)
				if err != nil {
					b.Fatal(err)
				}
				if r != benchRows {
					b.Fatalf("got %d rows, want %d", r, benchRows)
				}
				rows, bytes = rows+r, bytes+n
			}
			sec := b.Elapsed().Seconds()
			b.ReportMetric(float64(rows)/sec, "rows/s")
			b.ReportMetric(float64(bytes)/sec/1e6, "MB/s")
			b.ReportMetric(0, "ns/op") // one op is a whole read: rows/s says more
		})
	}
}

// BenchmarkForward measures the host's side of forwarding a source's
// batches to a sink untouched, as run does without host steps: Recv from
// one Read of the test plugin, Send each batch to one Write of it. One op
// forwards forwardRows rows in ~1 MiB batches; allocs/op and B/op are the
// host's alone (the plugin is another process), so allocs/op divided by
// batches/op is what one forwarded batch costs the host.
func BenchmarkForward(b *testing.B) {
	const forwardRows = 400_000
	c := launchTest(b, LaunchOptions{})
	ctx := context.Background()
	opts := fmt.Appendf(nil, `{"rows":%d}`, forwardRows)
	var batches int64
	b.ReportAllocs()
	for b.Loop() {
		rs, err := c.Read(ctx, &catalog.ReadRequest{Stream: "bench", OptionsJSON: opts})
		if err != nil {
			b.Fatal(err)
		}
		ws, err := c.Write(ctx, &catalog.BeginLoad{LoadID: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		for {
			msg, err := rs.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if msg.Kind == catalog.MessageBatch {
				if err := ws.Send(msg.Batch); err != nil {
					b.Fatal(err)
				}
				batches++
			}
		}
		res, err := ws.CloseAndRecv()
		if err != nil || res.Rows != forwardRows {
			b.Fatalf("write: got %d rows (%v), want %d", res.Rows, err, forwardRows)
		}
		rs.Close()
	}
	b.ReportMetric(float64(batches)/float64(b.N), "batches/op")
}

// drainRead reads the bench stream to its end; it returns rows and wire bytes.
func drainRead(c *Client, opts []byte, decode bool) (rows, bytes int64, err error) {
	rs, err := c.Read(context.Background(), &catalog.ReadRequest{Stream: "bench", OptionsJSON: opts})
	if err != nil {
		return 0, 0, err
	}
	defer rs.Close()
	for {
		msg, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return rows, bytes, nil
		}
		if err != nil {
			return rows, bytes, err
		}
		if msg.Kind != catalog.MessageBatch {
			continue
		}
		bt := msg.Batch
		rows += bt.Rows
		bytes += int64(len(bt.ArrowIPC))
		if decode {
			rec, err := v1convert.DecodeBatch(bt.ArrowIPC)
			if err != nil {
				return rows, bytes, err
			}
			rec.Release()
		}
	}
}
