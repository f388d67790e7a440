package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// ClickHouse scenarios run when BENCH_SCENARIOS names them and scripts/bench.sh started ClickHouse
// (DPONE_TEST_CH_DSN and DPONE_TEST_CH_HTTP set): full_refresh from
// PostgreSQL and from the Parquet files into database bench (the files
// through a connection with http_url: the sink streams them to the
// server, which reads the Parquet itself), and
// clickhouse_insert_select, the server-only ceiling (INSERT … SELECT of
// the rows already in ClickHouse into a table of the same shape), and
// clickhouse_native_client, ClickHouse's own client as the limit of any
// client: clickhouse-local inserting a pre-made Native file of the same
// rows over the native protocol (INSERT INTO FUNCTION remote(…) SELECT *
// FROM file(…, Native)). Both copy what pg_to_clickhouse loaded: run it
// first (BENCH_SCENARIOS keeps this order).
var chScenarios = []scenario{
	{Name: "pg_to_clickhouse", Source: "postgres", Sink: "clickhouse", Optional: true},
	{Name: "files_to_clickhouse", Source: "file", Sink: "clickhouse", Optional: true},
	{Name: "clickhouse_native_client", Sink: "clickhouse", Optional: true},
	{Name: "clickhouse_insert_select", Sink: "clickhouse", Optional: true},
}

// chEnabled reports whether a ClickHouse server is there to bench.
func chEnabled() bool {
	return os.Getenv("DPONE_TEST_CH_DSN") != "" && os.Getenv("DPONE_TEST_CH_HTTP") != ""
}

// chQuery runs SQL on the bench ClickHouse over HTTP and returns its output.
func chQuery(sql string) (string, error) {
	resp, err := http.Post(os.Getenv("DPONE_TEST_CH_HTTP")+"/", "text/plain", strings.NewReader(sql))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("clickhouse: %s: %s", resp.Status, body)
	}
	return strings.TrimSpace(string(body)), nil
}

// chCheckRows checks the row count of a ClickHouse table.
func chCheckRows(table string, want int64) error {
	got, err := chQuery("SELECT count() FROM " + table)
	if err != nil {
		return err
	}
	if n, _ := strconv.ParseInt(got, 10, 64); n != want {
		return fmt.Errorf("%s holds %s rows, want %d", table, got, want)
	}
	return nil
}

// runInsertSelect measures the server-only copy of the rows that
// pg_to_clickhouse loaded (run it first) into an empty table of their
// shape: the ceiling no client can pass.
func (b *bench) runInsertSelect(table string, rows int64) (measurement, error) {
	src := "bench.pg_to_clickhouse__" + table
	if err := chCheckRows(src, rows); err != nil {
		return measurement{}, fmt.Errorf("clickhouse_insert_select copies %s: run pg_to_clickhouse first: %w", src, err)
	}
	if _, err := chQuery("DROP TABLE IF EXISTS bench.insert_select SYNC"); err != nil {
		return measurement{}, err
	}
	if _, err := chQuery("CREATE TABLE bench.insert_select AS " + src); err != nil {
		return measurement{}, err
	}
	q := "INSERT INTO bench.insert_select SELECT * FROM " + src + " SETTINGS async_insert = 0"
	m, err := b.measure(curlCommand(q))
	if err != nil {
		return m, err
	}
	return m, chCheckRows("bench.insert_select", rows)
}

// runNativeClient measures clickhouse-local inserting the rows that
// pg_to_clickhouse loaded, exported once (not measured) to a Native file,
// into an empty table of their shape over the native protocol.
func (b *bench) runNativeClient(table string, rows int64) (measurement, error) {
	src := "bench.pg_to_clickhouse__" + table
	if err := chCheckRows(src, rows); err != nil {
		return measurement{}, fmt.Errorf("clickhouse_native_client copies %s: run pg_to_clickhouse first: %w", src, err)
	}
	file := filepath.Join(b.work, fmt.Sprintf("%s_%d.native", table, rows))
	if st, err := os.Stat(file); err != nil || st.Size() == 0 {
		cmd := curlCommand("SELECT * FROM " + src + " FORMAT Native")
		out, err := os.Create(file)
		if err != nil {
			return measurement{}, err
		}
		cmd.Stdout = out
		err = cmd.Run()
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(file)
			return measurement{}, fmt.Errorf("export %s to %s: %w", src, file, err)
		}
	}
	if _, err := chQuery("DROP TABLE IF EXISTS bench.native_client SYNC"); err != nil {
		return measurement{}, err
	}
	if _, err := chQuery("CREATE TABLE bench.native_client AS " + src); err != nil {
		return measurement{}, err
	}
	q := fmt.Sprintf("INSERT INTO FUNCTION remote('%s', 'bench', 'native_client', 'default', '') SELECT * FROM file('%s', Native) SETTINGS async_insert = 0",
		os.Getenv("DPONE_TEST_CH_ADDR"), file)
	m, err := b.measure(exec.Command(filepath.Join(b.root, "scripts", "clickhouse.sh"), "local", q))
	if err != nil {
		return m, err
	}
	return m, chCheckRows("bench.native_client", rows)
}

// curlCommand posts q to the bench ClickHouse's HTTP interface (a child
// process, so measure times and samples it like the others).
func curlCommand(q string) *exec.Cmd {
	return exec.Command("curl", "-fsS", "--data-binary", q, os.Getenv("DPONE_TEST_CH_HTTP")+"/")
}
