package main

import (
	"bytes"
	"fmt"
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
}

var scenarios = []scenario{
	{Name: "psql_pipe", Pipe: true},
	{Name: "pg_to_pg", Source: "postgres", Sink: "postgres"},
	{Name: "pg_to_duckdb", Source: "postgres", Sink: "duckdb"},
	{Name: "files_to_pg", Source: "file", Sink: "postgres"},
	{Name: "merge_duckdb", Source: "postgres", Sink: "duckdb", Merge: true},
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
	// Failed is why a merge run failed (e.g. DuckDB out of memory at its
	// memory_limit): recorded with the peak RSS reached, not fatal.
	Failed string `json:"failed,omitempty"`
}

// targetTable names the table a scenario loads for a source table.
func (s scenario) targetTable(table string) string { return s.Name + "__" + table }

func (b *bench) runOnce(s scenario, table string, rows int64) (measurement, error) {
	if s.Pipe {
		return b.runPipe(table, rows)
	}
	if s.isRest() {
		return b.runRest(s, rows)
	}
	if s.Name == "clickhouse_insert_select" {
		return b.runInsertSelect(table, rows)
	}
	if s.Name == "clickhouse_native_client" {
		return b.runNativeClient(table, rows)
	}
	if isKafka(s) {
		return b.runKafka(s, table, rows)
	}
	return b.runDpone(s, table, rows)
}

// runPipe measures psql | psql binary COPY into an empty logged table.
func (b *bench) runPipe(table string, rows int64) (measurement, error) {
	if err := b.psql(b.dstDSN, "DROP TABLE IF EXISTS public.pipe_dst; CREATE TABLE public.pipe_dst ("+benchColumns+")"); err != nil {
		return measurement{}, err
	}
	script := fmt.Sprintf(`set -o pipefail; psql -X -q -v ON_ERROR_STOP=1 %q -c "COPY %s TO STDOUT (FORMAT binary)" | psql -X -q -v ON_ERROR_STOP=1 %q -c "COPY public.pipe_dst FROM STDIN (FORMAT binary)"`,
		b.srcDSN, table, b.dstDSN)
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
	path := filepath.Join(b.work, s.Name+"__"+table+".yaml")
	if err := os.WriteFile(path, []byte(manifest(s, table)), 0o644); err != nil {
		return measurement{}, err
	}
	if s.Merge {
		// The first merge creates and fills the target; the timed one
		// below changes every row of it.
		if _, err := b.measure(b.dponeRun(path)); err != nil {
			return measurement{}, fmt.Errorf("seed merge target: %w", err)
		}
	}
	m, err := b.measure(b.dponeRun(path))
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
func (b *bench) dponeRun(path string) *exec.Cmd {
	cmd := exec.Command(b.dpone, "run", "--progress", "none", path)
	cmd.Env = append(os.Environ(),
		"DPONE_CONN_SRC_DSN="+b.srcDSN,
		"DPONE_CONN_DST_DSN="+b.dstDSN,
		"DPONE_CONN_FILES_ROOT="+filepath.Join(b.work, "data"),
		"DPONE_CONN_WAREHOUSE_PATH="+filepath.Join(b.work, "warehouse.duckdb"),
		"DPONE_CONN_CH_DSN="+os.Getenv("DPONE_TEST_CH_DSN"),
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
	}
	if s.Merge {
		sink = strings.Replace(sink, "{mode: full_refresh}", "{mode: incremental_merge, unique_key: [id]}", 1)
	}
	return fmt.Sprintf(`kind: dpone.batch.v1
metadata: {id: bench_%[1]s, owner: bench}
naming:
  sink_dataset: bench
defaults:
  source: %[2]s
  sink: %[3]s
schemas:
  %[4]s:
    tables:
      - table: %[5]s
        overrides:
          sink: {table: {name: %[6]s}}
`, s.Name, src, sink, schema, table, s.targetTable(table))
}

// measure runs cmd to completion, timing it and sampling its process tree.
func (b *bench) measure(cmd *exec.Cmd) (measurement, error) {
	var out bytes.Buffer
	cmd.Dir, cmd.Stdout, cmd.Stderr = b.work, &out, &out
	load := load1()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return measurement{}, err
	}
	smp := startSampler(cmd.Process.Pid, 100*time.Millisecond)
	err := cmd.Wait()
	wall := time.Since(start).Seconds()
	root, procs := smp.Stop()
	m := measurement{WallSecs: wall, Load1: load, HostPeakMB: root.PeakMB, HostCPU: root.CPUSecs, Procs: procs}
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
