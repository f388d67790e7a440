// Command dpone-mssql-exec runs T-SQL on the live test server for the
// mssql_* CLI scripts (no sqlcmd exists on dpone's build machines). It
// reads the DSN from DPONE_CONN_MS_DSN (else DPONE_TEST_MSSQL_DSN),
// replaces MS_SCHEMA in the text with $MS_SCHEMA, runs the batches
// separated by lines "GO", and prints the last batch's rows as
// "a|b|c" lines (NULL prints as an empty field), like the scripts' psql.
//
//	dpone-mssql-exec -f checks.sql
//	dpone-mssql-exec SELECT COUNT(*) FROM MS_SCHEMA.items
package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	mssqldb "github.com/microsoft/go-mssqldb"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

var goLine = regexp.MustCompile(`(?mi)^\s*GO\s*$`)

func run(args []string, stdout, stderr io.Writer) int {
	text := strings.Join(args, " ")
	if len(args) == 2 && args[0] == "-f" {
		b, err := os.ReadFile(args[1])
		if err != nil {
			fmt.Fprintln(stderr, "dpone-mssql-exec:", err)
			return 2
		}
		text = string(b)
	}
	dsn := os.Getenv("DPONE_CONN_MS_DSN")
	if dsn == "" {
		dsn = os.Getenv("DPONE_TEST_MSSQL_DSN")
	}
	if dsn == "" || strings.TrimSpace(text) == "" {
		fmt.Fprintln(stderr, "usage: dpone-mssql-exec [-f FILE | SQL...] with DPONE_CONN_MS_DSN or DPONE_TEST_MSSQL_DSN set")
		return 2
	}
	text = strings.ReplaceAll(text, "MS_SCHEMA", os.Getenv("MS_SCHEMA"))
	c, err := mssqldb.NewConnector(dsn)
	if err != nil {
		fmt.Fprintln(stderr, "dpone-mssql-exec: dsn:", err)
		return 2
	}
	db := sql.OpenDB(c)
	defer db.Close()
	ctx := context.Background()
	batches := goLine.Split(text, -1)
	for i, b := range batches {
		if strings.TrimSpace(b) == "" {
			continue
		}
		if i < len(batches)-1 {
			if _, err := db.ExecContext(ctx, b); err != nil {
				fmt.Fprintf(stderr, "dpone-mssql-exec: batch %d: %v\n", i+1, err)
				return 1
			}
			continue
		}
		if err := printRows(ctx, db, b, stdout); err != nil {
			fmt.Fprintf(stderr, "dpone-mssql-exec: batch %d: %v\n", i+1, err)
			return 1
		}
	}
	return 0
}

func printRows(ctx context.Context, db *sql.DB, q string, w io.Writer) error {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for {
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			parts := make([]string, len(vals))
			for i, v := range vals {
				parts[i] = format(v)
			}
			fmt.Fprintln(w, strings.Join(parts, "|"))
		}
		if !rows.NextResultSet() {
			break
		}
	}
	return rows.Err()
}

func format(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case []byte:
		// decimals and money scan as their digits; other bytes as hex
		for _, c := range v {
			if c < 0x20 || c > 0x7e {
				return fmt.Sprintf("0x%X", v)
			}
		}
		return string(v)
	case time.Time:
		return v.Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}
