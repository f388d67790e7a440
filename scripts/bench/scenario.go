package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// scenario is one way of copying a table; run performs one copy of rows
// rows and reports what it measured.
type scenario struct {
	Name string
	// Pipe is the psql binary COPY pipe: the physical limit.
	Pipe bool
	// Source and Sink name the dpone plugins.
	Source, Sink string
	// Merge loads with incremental_merge by id into a target that already
	// holds the same rows (loaded by an untimed first run): every row is a
	// changed row. Its peak RSS is the point (issue 11 item 11: DuckDB
	// merges must stay within the sink's memory_limit).
	Merge bool
	// Contract adds a data contract (quarantine, one range check that
	// every row passes): the host needs values, so the Arrow path.
	Contract bool
	// NoLineage turns the lineage columns off (sink.options.lineage: false).
	NoLineage bool
	// Parallel is source.options.parallel ("" leaves the default, auto).
	Parallel string
	// Existing loads into the target a previous run left (full_refresh
	// swaps it; its primary key is built after the rows), the steady
	// state of a scheduled copy; an untimed first run creates it.
	Existing bool
	// Optional scenarios run only when BENCH_SCENARIOS names them.
	Optional bool
	// Bin is the directory of the dpone and plugin binaries the scenario
	// runs; "" is the checkout's bin/. A baseline twin (withBaseline) runs
	// another build's.
	Bin string
}

// baselineSuffix names a scenario's twin that runs the baseline build
// (BENCH_BASELINE).
const baselineSuffix = "@base"

// id is the scenario's name without the baseline suffix: a twin loads the
// same target through the same manifest as the scenario it doubles.
func (s scenario) id() string { return strings.TrimSuffix(s.Name, baselineSuffix) }

// runsDpone says whether runOnce runs s through runDpone: dpone from a
// PostgreSQL or file source (the scenarios a baseline build can double).
func (s scenario) runsDpone() bool {
	return !s.Pipe && s.Source != "" && s.Sink != "" && !s.isRest() && !isKafka(s)
}

// withBaseline returns sel with, right after each scenario that runs dpone,
// its twin running the build in dir, so both run in every round, one after
// the other: `make bench` compares two builds of dpone interleaved.
func withBaseline(sel []scenario, dir string) []scenario {
	if dir == "" {
		return sel
	}
	var out []scenario
	for _, s := range sel {
		out = append(out, s)
		if s.runsDpone() {
			twin := s
			twin.Name, twin.Bin = s.Name+baselineSuffix, dir
			out = append(out, twin)
		}
	}
	return out
}

var scenarios = []scenario{
	{Name: "psql_pipe", Pipe: true},
	// The pipe, then the primary key dpone gives a target created from a
	// source that has one (built once, after the rows, as dpone's swap
	// does): what the pipe would cost doing the same work. The pg_to_pg
	// scenarios are compared with it too.
	{Name: "psql_pipe_pk", Pipe: true},
	// pg_to_pg is the default route: lineage columns on, parallel auto.
	{Name: "pg_to_pg", Source: "postgres", Sink: "postgres"},
	{Name: "pg_to_pg_nolineage", Source: "postgres", Sink: "postgres", NoLineage: true, Optional: true},
	{Name: "pg_to_pg_existing", Source: "postgres", Sink: "postgres", Existing: true, Optional: true},
	// A data contract needs values: the Arrow path.
	{Name: "pg_to_pg_contract", Source: "postgres", Sink: "postgres", Contract: true},
	{Name: "pg_to_pg_p1", Source: "postgres", Sink: "postgres", Parallel: "1"},
	{Name: "pg_to_pg_p2", Source: "postgres", Sink: "postgres", Parallel: "2"},
	{Name: "pg_to_pg_p4", Source: "postgres", Sink: "postgres", Parallel: "4"},
	{Name: "pg_to_duckdb", Source: "postgres", Sink: "duckdb"},
	{Name: "files_to_pg", Source: "file", Sink: "postgres"},
	{Name: "files_to_duckdb", Source: "file", Sink: "duckdb"},
	// DuckDB's own CREATE TABLE AS SELECT * FROM read_parquet(...), threads=2.
	{Name: "duckdb_ctas", Sink: "duckdb"},
	// The same under 128MB, the DuckDB sink's smallest default
	// memory_limit (a machine or cgroup of 512MB or less; the default was
	// 128MB everywhere before it was sized from the machine's memory).
	{Name: "duckdb_ctas_128mb", Sink: "duckdb", Optional: true},
	{Name: "merge_duckdb", Source: "postgres", Sink: "duckdb", Merge: true, Optional: true},
}

// measurement is one run of a scenario.
type measurement struct {
	WallSecs float64 `json:"wall_s"`
	// Load1 is the machine's 1-minute load average when the run started:
	// other work on a shared machine shows here.
	Load1      float64    `json:"load1"`
	HostPeakMB float64    `json:"host_peak_rss_mb"`
	HostCPU    float64    `json:"host_cpu_s"`
	Procs      []procPeak `json:"children"`
	// ClientCPU is the CPU seconds of the measured command and every
	// process below it (dpone host and plugins, or bash and the two psql):
	// wait4's rusage, which includes the children the command reaped, or
	// the sampled sum when that is larger (children it did not wait for).
	ClientCPU float64 `json:"client_cpu_s"`
	// ServerCPU is the servers' CPU seconds over the run: PostgreSQL's
	// (backends, background processes; see cpu.go) and, in Kafka
	// scenarios, BrokerCPU.
	ServerCPU float64 `json:"server_cpu_s"`
	// BrokerCPU is the Kafka broker's CPU seconds over the run (Kafka
	// scenarios; part of ServerCPU).
	BrokerCPU float64 `json:"broker_cpu_s,omitempty"`
	// TotalCPU is ClientCPU + ServerCPU.
	TotalCPU float64 `json:"total_cpu_s"`
	// Disturbed marks a run of a round whose pipe or keyed pipe took more
	// than 1.3× its fastest run of the benchmark run at this size, or more
	// than 1.2× its least CPU: the machine was busy (markDisturbed).
	Disturbed bool `json:"disturbed,omitempty"`
	// Round is the interleaved round (1-based) the run belongs to.
	Round int `json:"round"`
	// CopyWaits counts pg_stat_activity samples (every 20 ms) of the
	// target's COPY backends by what they were doing ("CPU" or the wait
	// event); ExtendShare is the share waiting on a relation extension
	// lock (parallel COPYs into one table contend on it).
	CopyWaits   map[string]int `json:"copy_waits,omitempty"`
	ExtendShare float64        `json:"extend_lock_share,omitempty"`
	// Failed is why a merge run failed (e.g. DuckDB out of memory at its
	// memory_limit): recorded with the peak RSS reached, not fatal.
	Failed string `json:"failed,omitempty"`
}

// targetTable names the table a scenario loads for a source table.
func (s scenario) targetTable(table string) string { return s.id() + "__" + table }

func (b *bench) runOnce(s scenario, table string, rows int64) (measurement, error) {
	if s.Pipe {
		return b.runPipe(table, rows, s.Name == "psql_pipe_pk")
	}
	if s.isRest() {
		return b.runRest(s, rows)
	}
	switch s.Name {
	case "clickhouse_insert_select":
		return b.runInsertSelect(table, rows)
	case "duckdb_ctas", "duckdb_ctas_128mb":
		return b.runDuckCTAS(table, rows, map[string]string{"duckdb_ctas_128mb": "128MB"}[s.Name])
	}
	if s.Name == "clickhouse_native_client" {
		return b.runNativeClient(table, rows)
	}
	if isKafka(s) {
		return b.runKafka(s, table, rows)
	}
	return b.runDpone(s, table, rows)
}

// runPipe measures psql | psql binary COPY into an empty logged table,
// and then, with pk, the table's primary key.
func (b *bench) runPipe(table string, rows int64, pk bool) (measurement, error) {
	if err := b.psql(b.dstDSN, "DROP TABLE IF EXISTS public.pipe_dst; CREATE TABLE public.pipe_dst ("+benchColumns+")"); err != nil {
		return measurement{}, err
	}
	script := fmt.Sprintf(`set -o pipefail; psql -X -q -v ON_ERROR_STOP=1 %q -c "COPY %s TO STDOUT (FORMAT binary)" | psql -X -q -v ON_ERROR_STOP=1 %q -c "COPY public.pipe_dst FROM STDIN (FORMAT binary)"`,
		b.srcDSN, table, b.dstDSN)
	if pk {
		script += fmt.Sprintf(` && psql -X -q -v ON_ERROR_STOP=1 %q -c "ALTER TABLE public.pipe_dst ADD PRIMARY KEY (id)"`, b.dstDSN)
	}
	m, err := b.measure(exec.Command("bash", "-c", script))
	if err != nil {
		return m, err
	}
	return m, b.checkRows(b.dstDSN, "public.pipe_dst", rows)
}

// runDpone measures `dpone run` of a one-table manifest with full_refresh
// into a target dropped beforehand.
func (b *bench) runDpone(s scenario, table string, rows int64) (measurement, error) {
	target := s.targetTable(table)
	switch s.Sink {
	case "postgres":
		if s.Existing {
			break
		}
		if err := b.psql(b.dstDSN, "DROP TABLE IF EXISTS bench."+target); err != nil {
			return measurement{}, err
		}
	case "duckdb":
		for _, f := range []string{"warehouse.duckdb", "warehouse.duckdb.wal"} {
			os.Remove(filepath.Join(b.work, f))
		}
	case "clickhouse":
		if _, err := chQuery("DROP TABLE IF EXISTS bench." + target + " SYNC"); err != nil {
			return measurement{}, err
		}
	}
	path := filepath.Join(b.work, s.id()+"__"+table+".yaml")
	if err := os.WriteFile(path, []byte(manifest(s, table)), 0o644); err != nil {
		return measurement{}, err
	}
	if s.Existing {
		if n, _ := b.psqlValue(b.dstDSN, "SELECT to_regclass('bench."+target+"') IS NOT NULL"); n != "t" {
			if _, err := b.measure(b.dponeRunIn(s.Bin, path)); err != nil {
				return measurement{}, fmt.Errorf("create the existing target: %w", err)
			}
		}
	}
	if s.Merge {
		// The first merge creates and fills the target; the timed one
		// below changes every row of it.
		if _, err := b.measure(b.dponeRunIn(s.Bin, path)); err != nil {
			return measurement{}, fmt.Errorf("seed merge target: %w", err)
		}
	}
	var ws *waitSampler
	if s.Sink == "postgres" {
		ws = startWaitSampler(b.dstDSN, 20*time.Millisecond)
	}
	m, err := b.measure(b.dponeRunIn(s.Bin, path))
	if ws != nil {
		m.CopyWaits, m.ExtendShare = ws.Stop()
	}
	if err != nil {
		return m, err
	}
	switch s.Sink {
	case "postgres":
		return m, b.checkRows(b.dstDSN, "bench."+target, rows)
	case "clickhouse":
		return m, chCheckRows("bench."+target, rows)
	}
	return m, nil
}

// dponeRun is `dpone run` of the manifest at path with the bench's
// connections.
func (b *bench) dponeRun(path string) *exec.Cmd { return b.dponeRunIn("", path) }

// dponeRunIn is dponeRun with the dpone binary of dir ("" is the
// checkout's bin/); dpone finds its plugins beside itself.
func (b *bench) dponeRunIn(dir, path string) *exec.Cmd {
	bin := b.dpone
	if dir != "" {
		bin = filepath.Join(dir, "dpone")
	}
	cmd := exec.Command(bin, "run", "--progress", "none", path)
	cmd.Env = append(os.Environ(),
		"DPONE_CONN_SRC_DSN="+b.srcDSN,
		"DPONE_CONN_DST_DSN="+b.dstDSN,
		"DPONE_CONN_FILES_ROOT="+filepath.Join(b.work, "data"),
		"DPONE_CONN_WAREHOUSE_PATH="+filepath.Join(b.work, "warehouse.duckdb"),
		"DPONE_CONN_CH_DSN="+os.Getenv("DPONE_TEST_CH_DSN"),
		// files_to_clickhouse's connection: with the HTTP interface the
		// sink streams the Parquet files to the server (passthrough).
		"DPONE_CONN_CHHTTP_DSN="+os.Getenv("DPONE_TEST_CH_DSN"),
		"DPONE_CONN_CHHTTP_HTTP_URL="+os.Getenv("DPONE_TEST_CH_HTTP"),
	)
	return cmd
}

// manifest is a one-table dpone manifest for scenario s.
func manifest(s scenario, table string) string {
	src := `{type: postgres, connection_id: src}`
	schema := "public"
	if s.Source == "file" {
		src = fmt.Sprintf(`{type: file, connection_id: files, options: {path: %s.parquet}}`, table)
		schema = "files"
	}
	sink := `{type: postgres, connection_id: dst, strategy: {mode: full_refresh}}`
	switch s.Sink {
	case "duckdb":
		sink = `{type: duckdb, connection_id: warehouse, strategy: {mode: full_refresh}}`
	case "clickhouse":
		sink = `{type: clickhouse, connection_id: ch, strategy: {mode: full_refresh}}`
		if s.Source == "file" {
			sink = strings.Replace(sink, "connection_id: ch,", "connection_id: chhttp,", 1)
		}
	}
	if s.Merge {
		sink = strings.Replace(sink, "{mode: full_refresh}", "{mode: incremental_merge, unique_key: [id]}", 1)
	}
	if s.NoLineage {
		sink = strings.TrimSuffix(sink, "}") + ", options: {lineage: false}}"
	}
	if s.Parallel != "" {
		if s.Source == "file" {
			src = strings.Replace(src, "options: {", "options: {parallel: "+s.Parallel+", ", 1)
		} else {
			src = strings.TrimSuffix(src, "}") + ", options: {parallel: " + s.Parallel + "}}"
		}
	}
	contract := ""
	if s.Contract {
		contract = "  schema_contract: {enforcement: quarantine, columns: {qty: {min: 0}}}\n"
	}
	return fmt.Sprintf(`kind: dpone.batch.v1
metadata: {id: bench_%[1]s, owner: bench}
naming:
  sink_dataset: bench
defaults:
  source: %[2]s
  sink: %[3]s
%[7]sschemas:
  %[4]s:
    tables:
      - table: %[5]s
        overrides:
          sink: {table: {name: %[6]s}}
`, s.id(), src, sink, schema, table, s.targetTable(table), contract)
}

// measure runs cmd to completion, timing it and sampling its process tree.
func (b *bench) measure(cmd *exec.Cmd, stdout ...io.Writer) (measurement, error) {
	var out bytes.Buffer
	cmd.Dir, cmd.Stdout, cmd.Stderr = b.work, &out, &out
	if len(stdout) > 0 {
		cmd.Stdout = stdout[0]
	}
	if b.pg != nil {
		// Earlier runs' dirty buffers are written now, not on this
		// run's account (autovacuum is off on the bench server: setup).
		if err := b.psql(b.adminDSN, "CHECKPOINT"); err != nil {
			return measurement{}, err
		}
	}
	load := load1()
	before := b.pg.snapshot()
	broker0, _ := readProcTimes(b.brokerPid)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return measurement{}, err
	}
	smp := startSampler(cmd.Process.Pid, 100*time.Millisecond)
	err := cmd.Wait()
	wall := time.Since(start).Seconds()
	root, procs := smp.Stop()
	after := b.pg.settle(before)
	m := measurement{WallSecs: wall, Load1: load, HostPeakMB: root.PeakMB, HostCPU: root.CPUSecs, Procs: procs}
	sampled := root.CPUSecs
	for _, p := range procs {
		sampled += p.CPUSecs
	}
	m.ClientCPU = sampled
	if ps := cmd.ProcessState; ps != nil {
		m.ClientCPU = max(sampled, (ps.UserTime() + ps.SystemTime()).Seconds())
	}
	m.ServerCPU = max(after.total-before.total, 0)
	if broker1, ok := readProcTimes(b.brokerPid); ok && b.brokerPid != 0 {
		m.BrokerCPU = max(broker1.self-broker0.self, 0)
		m.ServerCPU += m.BrokerCPU
	}
	m.TotalCPU = m.ClientCPU + m.ServerCPU
	if err != nil {
		return m, fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, out.String())
	}
	return m, nil
}

func (b *bench) checkRows(dsn, table string, want int64) error {
	got, err := b.psqlValue(dsn, "SELECT count(*) FROM "+table)
	if err != nil {
		return err
	}
	if n, _ := strconv.ParseInt(got, 10, 64); n != want {
		return fmt.Errorf("%s holds %s rows, want %d", table, got, want)
	}
	return nil
}

func load1() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// runDuckCTAS measures DuckDB's own read of the table's Parquet file into
// a fresh database (bin/duckdb-ctas, threads=2): the reference for
// files_to_duckdb.
func (b *bench) runDuckCTAS(table string, rows int64, memLimit string) (measurement, error) {
	db := filepath.Join(b.work, "ctas.duckdb")
	for _, f := range []string{db, db + ".wal"} {
		os.Remove(f)
	}
	var out bytes.Buffer
	cmd := exec.Command(filepath.Join(b.root, "bin", "duckdb-ctas"), "-db", db, "-parquet",
		filepath.Join(b.work, "data", table+".parquet"), "-table", "duckdb_ctas__"+table, "-threads", "2", "-memory-limit", memLimit)
	m, err := b.measure(cmd, &out)
	if err != nil {
		return m, err
	}
	if got := strings.TrimSpace(out.String()); got != strconv.FormatInt(rows, 10) {
		return m, fmt.Errorf("duckdb-ctas loaded %s rows, want %d", got, rows)
	}
	return m, nil
}
