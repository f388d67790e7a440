// Command bench is `make bench`: the end-to-end throughput benchmark of
// issues 6 and 21. Against a PostgreSQL server started by scripts/bench.sh it
// creates bench_src (5M rows by default), measures the psql binary COPY
// pipe (the physical limit) and dpone full_refresh postgres→postgres
// (native passthrough, with a contract, 1/2/4 partitions),
// postgres→duckdb, Parquet files→postgres and →duckdb beside DuckDB's own
// read_parquet, a local paginated REST API into DuckDB next to a plain Go
// fetch loop (rest.go), interleaved rounds, three by default. It prints medians with
// their spread, the CPU seconds of every process (see cpu.go) and the
// rounds disturbed by other work, and writes .dpone/bench/bench-<time>.json.
//
// Environment: DPONE_TEST_PG_DSN (required), BENCH_ROWS (default 5000000),
// BENCH_RUNS (3), BENCH_SMALL_ROWS (1000000; the size peak RSS is compared
// against, 0 skips it), BENCH_SCENARIOS (comma list, default all),
// BENCH_OUT (.dpone/bench), BENCH_WORK (.dpone/bench), BENCH_BASELINE (the
// bin/ directory of another build, e.g. `git worktree add /tmp/base REV &&
// make -C /tmp/base build` gives /tmp/base/bin: every scenario that runs
// dpone from PostgreSQL or files gets a twin <name>@base running that
// build right after it in each round, and the report compares the two,
// round by round). Optional scenarios
// (pg_to_pg_nolineage, pg_to_pg_existing, duckdb_ctas_128mb,
// merge_duckdb, ClickHouse's) run only when BENCH_SCENARIOS names them.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// benchColumns is bench_src without its primary key: the pipe's target.
const benchColumns = `id bigint, qty int, price numeric(18,4), title text, code varchar(32), active boolean,
  created_at timestamptz, day date, attrs jsonb, ref uuid`

type bench struct {
	root, work, dpone string
	adminDSN          string
	srcDSN, dstDSN    string
	rows, smallRows   int64
	runs              int
	only              []string
	rest              *restAPI // the REST scenarios' API, once started
	kafkaSeq          int
	loopBuilt         bool // benchloop built in this run
	// brokerPid is the Kafka broker's pid (BENCH_KAFKA_BROKER_PID), whose
	// CPU Kafka scenarios account for; 0: not measured.
	brokerPid int
	// pg is the PostgreSQL server whose CPU every run accounts for.
	pg *pgServer
	// baseline is BENCH_BASELINE, absolute; "" runs no twins.
	baseline string
}

func main() {
	if len(os.Args) == 4 && os.Args[1] == "rest-plain-loop" { // rest_plain_loop's child process
		want, _ := strconv.ParseInt(os.Args[3], 10, 64)
		if err := restPlainLoop(os.Args[2], want); err != nil {
			fmt.Fprintln(os.Stderr, "bench: rest-plain-loop:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func envInt(k string, def int64) (int64, error) {
	v := os.Getenv(k)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s=%q: want a non-negative integer", k, v)
	}
	return n, nil
}

func run() error {
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	b := &bench{root: root, adminDSN: os.Getenv("DPONE_TEST_PG_DSN"), dpone: filepath.Join(root, "bin", "dpone")}
	b.brokerPid, _ = strconv.Atoi(os.Getenv("BENCH_KAFKA_BROKER_PID"))
	if b.adminDSN == "" {
		return fmt.Errorf("DPONE_TEST_PG_DSN not set: run via make bench")
	}
	if b.rows, err = envInt("BENCH_ROWS", 5_000_000); err != nil {
		return err
	}
	if b.smallRows, err = envInt("BENCH_SMALL_ROWS", 1_000_000); err != nil {
		return err
	}
	runs, err := envInt("BENCH_RUNS", 3)
	if err != nil {
		return err
	}
	b.runs = max(int(runs), 1)
	if s := os.Getenv("BENCH_SCENARIOS"); s != "" {
		b.only = strings.Split(s, ",")
	}
	if dir := os.Getenv("BENCH_BASELINE"); dir != "" {
		if b.baseline, err = filepath.Abs(dir); err != nil {
			return err
		}
		if _, err := os.Stat(filepath.Join(b.baseline, "dpone")); err != nil {
			return fmt.Errorf("BENCH_BASELINE=%s: no dpone binary there (%v): point it at another build's bin/ (make -C <checkout> build)", dir, err)
		}
	}
	b.work, _ = filepath.Abs(envStr("BENCH_WORK", filepath.Join(root, ".dpone", "bench")))
	if err := os.MkdirAll(filepath.Join(b.work, "data"), 0o755); err != nil {
		return err
	}
	base, _, _ := strings.Cut(b.adminDSN, "?")
	base = base[:strings.LastIndexByte(base, '/')]
	b.srcDSN, b.dstDSN = base+"/benchsrc?sslmode=disable", base+"/benchdst?sslmode=disable"

	res := &results{Rows: b.rows, Runs: b.runs, Baseline: b.baseline, Setup: "one PostgreSQL server on 127.0.0.1 (scripts/pg.sh: fsync=off, synchronous_commit=off, shared_buffers=256MB); source database benchsrc, target database benchdst"}
	if err := b.setup(res); err != nil {
		return err
	}
	if b.pg, err = b.findPostmaster(); err != nil {
		return err
	}
	var sizes []int64
	if b.smallRows > 0 && b.smallRows < b.rows {
		sizes = append(sizes, b.smallRows)
	}
	sizes = append(sizes, b.rows)
	for _, n := range sizes {
		table := tableFor(n, b.rows)
		var sel []scenario
		candidates := scenarios
		if chEnabled() {
			candidates = append(slices.Clone(scenarios), chScenarios...)
		}
		if n == sizes[0] { // REST: one API size, the first
			candidates = append(slices.Clone(candidates), restScenarios...)
		}
		if kafkaEnabled() {
			candidates = append(slices.Clone(candidates), kafkaScenarios...)
		}
		for _, s := range candidates {
			if (len(b.only) == 0 && !s.Optional) || slices.Contains(b.only, s.Name) {
				sel = append(sel, s)
			}
		}
		sel = withBaseline(sel, b.baseline)
		all := make([][]measurement, len(sel))
		for r := 0; r < b.runs; r++ {
			for i, s := range sel {
				m, err := b.runOnce(s, table, n)
				if err != nil && s.Merge && m.WallSecs > 0 {
					// A merge that fails at the sink's memory_limit is a
					// result to record, with the peak RSS it reached.
					m.Failed = failureLine(err)
					fmt.Fprintf(os.Stderr, "bench: %s (%d rows, run %d) failed: %s\n", s.Name, n, r+1, m.Failed)
				} else if err != nil {
					return fmt.Errorf("%s (%d rows, run %d): %w", s.Name, n, r+1, err)
				}
				m.Round = r + 1
				fmt.Fprintf(os.Stderr, "bench: %-22s rows=%-8d run %d: %6.2fs cpu %5.1fs (client %.1f + postgres %.1f + broker %.1f) (load %.1f) host %5.0f MB plugins %s\n",
					s.Name, n, r+1, m.WallSecs, m.TotalCPU, m.ClientCPU, m.ServerCPU-m.BrokerCPU, m.BrokerCPU, m.Load1, m.HostPeakMB, procsLine(m.Procs))
				all[i] = append(all[i], m)
			}
		}
		markDisturbed(sel, all)
		for i, s := range sel {
			res.add(s, n, all[i])
		}
	}
	res.finish()
	fmt.Print(res.table())
	fmt.Print(restRatio(res))
	out := envStr("BENCH_OUT", filepath.Join(".dpone", "bench"))
	if !filepath.IsAbs(out) {
		out = filepath.Join(root, out)
	}
	path, err := res.write(out)
	if err != nil {
		return err
	}
	fmt.Println("wrote", path)
	return nil
}

func envStr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// tableFor names the source table of n rows: bench_src holds all, smaller
// sizes are prefixes of it.
func tableFor(n, all int64) string {
	if n == all {
		return "bench_src"
	}
	return fmt.Sprintf("bench_src_%d", n)
}

// setup creates the databases, the source tables and the Parquet files
// unless a previous run left them with the right row counts.
func (b *bench) setup(res *results) error {
	for _, db := range []string{"benchsrc", "benchdst"} {
		ok, err := b.psqlValue(b.adminDSN, "SELECT count(*) FROM pg_database WHERE datname = '"+db+"'")
		if err != nil {
			return err
		}
		if ok == "0" {
			if err := b.psql(b.adminDSN, "CREATE DATABASE "+db); err != nil {
				return err
			}
		}
	}
	// Autovacuum would vacuum and analyze one scenario's fresh table while
	// another is measured, charging its CPU to whichever runs then; off on
	// this throwaway server, for the pipe and dpone alike. Every measured
	// run starts after a CHECKPOINT (measure).
	if err := b.psql(b.adminDSN, "ALTER SYSTEM SET autovacuum = off"); err != nil {
		return err
	}
	if err := b.psql(b.adminDSN, "SELECT pg_reload_conf()"); err != nil {
		return err
	}
	if err := b.psql(b.dstDSN, "CREATE SCHEMA IF NOT EXISTS bench"); err != nil {
		return err
	}
	marker := fmt.Sprintf("dpone bench v1 rows=%d", b.rows)
	got, _ := b.psqlValue(b.srcDSN, "SELECT obj_description('public.bench_src'::regclass, 'pg_class')")
	if got != marker {
		fmt.Fprintf(os.Stderr, "bench: generating bench_src (%d rows)\n", b.rows)
		cmd := exec.Command("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", fmt.Sprintf("rows=%d", b.rows),
			"-f", filepath.Join(b.root, "scripts", "bench", "source.sql"), b.srcDSN)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("generate bench_src: %w\n%s", err, out)
		}
		if err := b.psql(b.srcDSN, "COMMENT ON TABLE public.bench_src IS '"+marker+"'"); err != nil {
			return err
		}
		os.RemoveAll(filepath.Join(b.work, "data"))
		os.MkdirAll(filepath.Join(b.work, "data"), 0o755)
	}
	tables := []string{"bench_src"}
	if b.smallRows > 0 && b.smallRows < b.rows {
		small := tableFor(b.smallRows, b.rows)
		tables = append(tables, small)
		n, _ := b.psqlValue(b.srcDSN, "SELECT count(*) FROM public."+small)
		if n != strconv.FormatInt(b.smallRows, 10) {
			q := fmt.Sprintf("DROP TABLE IF EXISTS public.%[1]s; CREATE TABLE public.%[1]s (LIKE public.bench_src INCLUDING ALL); "+
				"INSERT INTO public.%[1]s SELECT * FROM public.bench_src WHERE id <= %[2]d; ANALYZE public.%[1]s", small, b.smallRows)
			if err := b.psql(b.srcDSN, q); err != nil {
				return err
			}
		}
	}
	for _, t := range tables {
		pq := filepath.Join(b.work, "data", t+".parquet")
		if _, err := os.Stat(pq); err == nil {
			continue
		}
		fmt.Fprintf(os.Stderr, "bench: writing %s\n", pq)
		cmd := exec.Command("go", "run", "./scripts/bench/parquetgen", "-dsn", b.srcDSN, "-table", t, "-out", pq)
		cmd.Dir = b.root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("parquetgen: %w\n%s", err, out)
		}
	}
	// One full binary COPY: warms the cache and sizes the data for MB/s.
	out, err := exec.Command("bash", "-c", fmt.Sprintf(`set -o pipefail; psql -X -q %q -c "COPY public.bench_src TO STDOUT (FORMAT binary)" | wc -c`, b.srcDSN)).Output()
	if err != nil {
		return fmt.Errorf("size binary copy: %w", err)
	}
	res.CopyBytes, _ = strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	res.PGVersion, _ = b.psqlValue(b.srcDSN, "SHOW server_version")
	res.PGSettings, _ = b.psqlValue(b.srcDSN, `SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ' ' ORDER BY name) FROM pg_settings
WHERE name IN ('autovacuum', 'wal_level', 'fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'max_wal_size',
  'maintenance_work_mem', 'max_parallel_maintenance_workers', 'wal_compression', 'checkpoint_timeout')`)
	res.Commit = gitCommit(b.root)
	return nil
}

func (b *bench) psql(dsn, sql string) error {
	out, err := exec.Command("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", dsn, "-c", sql).CombinedOutput()
	if err != nil {
		return fmt.Errorf("psql %q: %w\n%s", sql, err, out)
	}
	return nil
}

func (b *bench) psqlValue(dsn, sql string) (string, error) {
	out, err := exec.Command("psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", dsn, "-c", sql).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("psql %q: %w\n%s", sql, err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

func gitCommit(dir string) string {
	out, err := exec.Command("git", "-C", dir, "describe", "--always", "--dirty").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// failureLine is the line of a failed run's output that says why (the
// unit's error), else the error's first line.
func failureLine(err error) string {
	lines := strings.Split(err.Error(), "\n")
	for _, l := range lines {
		if strings.Contains(l, ": CONFIG: ") || strings.Contains(l, ": INTERNAL: ") || strings.Contains(l, ": UNAVAILABLE: ") {
			return strings.TrimSpace(l)
		}
	}
	return lines[0]
}
