package postgres

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

// BenchmarkSCD2Commit loads 1% changed keys (name changes) into an scd2
// history of DPONE_BENCH_SCD2_ROWS current versions (default 100000): one
// iteration is one load (BeginLoad, Write, CommitLoad), each closing and
// opening 1% of the versions.
func BenchmarkSCD2Commit(b *testing.B) {
	rows := 100000
	if v, err := strconv.Atoi(os.Getenv("DPONE_BENCH_SCD2_ROWS")); err == nil && v > 0 {
		rows = v
	}
	cfg, conn := testDB(b)
	b.Cleanup(func() { mustExec(b, conn, "DROP TABLE IF EXISTS sinktest.scd2_bench") })
	mustExec(b, conn, "DROP TABLE IF EXISTS sinktest.scd2_bench")
	c := New().(*Connector)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// Load ids unique to this invocation: receipts outlive the table.
	run := time.Now().UnixNano()
	at := func(i int) string { return base.Add(time.Duration(i) * time.Minute).Format(time.RFC3339) }
	// The first load creates the table; the rest of the history is
	// inserted directly, current versions from the load's time.
	runLoad(b, c, scd2Req(cfg, fmt.Sprintf("bench-%d-0", run), "scd2_bench", at(0)), kv{1, "v0"})
	mustExec(b, conn, fmt.Sprintf(`INSERT INTO sinktest.scd2_bench (id, name, _dpone_valid_from, _dpone_is_current)
		SELECT g, 'v0', $1::timestamptz, true FROM generate_series(2, %d) g`, rows), at(0))
	mustExec(b, conn, "ANALYZE sinktest.scd2_bench")
	changed := rows / 100
	b.ResetTimer()
	for i := 1; i <= b.N; i++ {
		batch := make([]kv, changed)
		for j := range batch {
			id := int64((i*changed+j)%rows + 1)
			batch[j] = kv{id, fmt.Sprintf("v%d", i)}
		}
		req := scd2Req(cfg, fmt.Sprintf("bench-%d-%d", run, i), "scd2_bench", at(i))
		req.Load.Strategy.SCD2.HardDeletes = "ignore"
		runLoad(b, c, req, batch...)
	}
	b.ReportMetric(float64(changed), "changed/op")
}
