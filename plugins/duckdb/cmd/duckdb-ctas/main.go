// Command duckdb-ctas is the benchmark's reference for Parquet → DuckDB:
// DuckDB's own CREATE TABLE … AS SELECT * FROM read_parquet(…) with a
// thread count, into a fresh database file, in one process (no dpone).
//
//	duckdb-ctas -db warehouse.duckdb -parquet bench_src.parquet -table t -threads 2 [-memory-limit 128MB]
//
// It prints the table's row count. scripts/bench builds and times it.
package main

import (
	"database/sql"
	"flag"
	"fmt"
	"os"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2"
)

func main() {
	db := flag.String("db", "", "DuckDB database file (created)")
	pq := flag.String("parquet", "", "Parquet file to read")
	table := flag.String("table", "t", "table to create")
	threads := flag.Int("threads", 2, "DuckDB threads")
	mem := flag.String("memory-limit", "", "DuckDB memory_limit (e.g. 128MB, the dpone sink's default); empty: DuckDB's default")
	flag.Parse()
	if err := run(*db, *pq, *table, *threads, *mem); err != nil {
		fmt.Fprintln(os.Stderr, "duckdb-ctas:", err)
		os.Exit(1)
	}
}

func quote(s, q string) string { return q + strings.ReplaceAll(s, q, q+q) + q }

func run(path, pq, table string, threads int, mem string) error {
	if path == "" || pq == "" {
		return fmt.Errorf("-db and -parquet are required")
	}
	db, err := sql.Open("duckdb", path)
	if err != nil {
		return err
	}
	defer db.Close()
	conn := []string{
		fmt.Sprintf("SET threads = %d", threads),
	}
	if mem != "" {
		conn = append(conn, "SET memory_limit = "+quote(mem, "'"))
	}
	conn = append(conn,
		"CREATE OR REPLACE TABLE "+quote(table, `"`)+" AS SELECT * FROM read_parquet("+quote(pq, "'")+")")
	for _, q := range conn {
		if _, err := db.Exec(q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	var n int64
	if err := db.QueryRow("SELECT count(*) FROM " + quote(table, `"`)).Scan(&n); err != nil {
		return err
	}
	fmt.Println(n)
	return nil
}
