package duckdb

import (
	"strings"

	"github.com/dpone-go/dpone/sdk"
)

// quote quotes a DuckDB identifier.
func quote(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// qualified quotes schema.table.
func qualified(schema, table string) string {
	return quote(schema) + "." + quote(table)
}

// literal quotes a SQL string literal.
func literal(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// namespace is the schema of a table reference: main when empty.
func namespace(t sdk.TableRef) string {
	if t.Namespace == "" {
		return "main"
	}
	return t.Namespace
}

// columnList quotes and joins column names.
func columnList(names []string, prefix string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = prefix + quote(n)
	}
	return strings.Join(q, ", ")
}
