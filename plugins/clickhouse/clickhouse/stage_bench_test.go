package clickhouse

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/dpone-go/dpone/sdk"
)

// BenchmarkStagedLoad compares a whole load (BeginLoad, one Write of
// the records, CommitLoad into an append target) through native blocks
// and through s3 staging (Parquet parts uploaded to gofakes3, read by the
// server with s3() at commit), for BENCH_ROWS rows (default 1,000,000)
// of benchSchema. It reports rows/s and the seconds of Write and of
// CommitLoad, and checks both targets hold the same sums.
//
//	go test -run '^$' -bench StagedLoad -benchtime 3x ./clickhouse/
func BenchmarkStagedLoad(b *testing.B) {
	f := newFixture(b)
	st := testStaging(b, false)
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("BENCH_ROWS")); err == nil && v > 0 {
		n = v
	}
	recs := benchRecords(n, 10_000)
	sums := map[string]string{}
	for _, path := range []string{"blocks", "s3"} {
		b.Run(path, func(b *testing.B) {
			table := "bench_staged_" + path
			var write, commit time.Duration
			for i := range b.N {
				f.exec("DROP TABLE IF EXISTS " + qualified(testDB, table) + " SYNC")
				r := f.req(fmt.Sprintf("bench-%s-%d", path, i), table, sdk.ModeAppend, benchSchema)
				if path == "s3" {
					r.Staging = st
				}
				if _, err := f.c.BeginLoad(f.ctx, r); err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				if _, err := f.c.Write(f.ctx, r, &sliceReader{schema: benchSchema, recs: recs}); err != nil {
					b.Fatal(err)
				}
				mid := time.Now()
				if _, err := f.c.CommitLoad(f.ctx, r, json.RawMessage(`{}`)); err != nil {
					b.Fatal(err)
				}
				write, commit = write+mid.Sub(start), commit+time.Since(mid)
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(write.Seconds()/float64(b.N), "write-s/op")
			b.ReportMetric(commit.Seconds()/float64(b.N), "commit-s/op")
			var s string
			f.scalar("SELECT toString((count(), sum(id), sum(amount), countIf(name IS NULL), sum(length(name)), sum(toUnixTimestamp64Micro(ts)))) FROM "+qualified(testDB, table), &s)
			sums[path] = s
		})
	}
	if sums["blocks"] != sums["s3"] {
		b.Errorf("targets differ: blocks %s, s3 %s", sums["blocks"], sums["s3"])
	}
}
