//go:build duckdb_arrow

package duckdb

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// trickle is the pause before each batch of BenchmarkWriteTrickle.
var trickle = 20 * time.Millisecond

// trickleReader yields recs with a pause before each, as the host's
// stream does when the source is the slower side (an API, a network).
type trickleReader struct {
	sliceReader
	pause time.Duration
}

func (r *trickleReader) Next() (arrow.RecordBatch, error) {
	time.Sleep(r.pause)
	return r.sliceReader.Next()
}

// cpuTime is the CPU time of this process so far (every thread, DuckDB's
// included).
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkWriteTrickle stages 600k rows arriving one ~1 MiB batch every
// 20 ms and reports the process's CPU time per row: what the sink burns
// while it waits for the source (the work itself is BenchmarkWrite's).
func BenchmarkWriteTrickle(b *testing.B) {
	const rows = 600_000
	recs := benchRecords(rows, 16384)
	f := newFixture(b)
	ctx := context.Background()
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		req := f.req(fmt.Sprintf("trickle-%d", i), "bench", sdk.ModeAppend, benchSchema)
		if _, err := f.c.BeginLoad(ctx, req); err != nil {
			b.Fatal(err)
		}
		start := cpuTime(b)
		res, err := f.c.Write(ctx, req, &trickleReader{sliceReader{schema: benchSchema, recs: recs}, trickle})
		cpu += cpuTime(b) - start
		if err != nil || res.Rows != rows {
			b.Fatalf("Write: %v, %d rows", err, res.Rows)
		}
		if err := f.c.AbortLoad(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(rows*b.N), "cpu-ns/row")
}
