package clickhouse

import (
	"strings"

	"github.com/dpone-go/dpone/sdk"
)

// quote quotes an identifier with backquotes.
func quote(name string) string {
	return "`" + strings.ReplaceAll(strings.ReplaceAll(name, `\`, `\\`), "`", "\\`") + "`"
}

// qualified quotes database.table.
func qualified(db, table string) string { return quote(db) + "." + quote(table) }

// literal quotes a string literal.
func literal(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}

// database is the namespace of t, or def when t has none.
func database(t sdk.TableRef, def string) string {
	if t.Namespace == "" {
		return def
	}
	return t.Namespace
}

// columnList quotes and joins column names.
func columnList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quote(n)
	}
	return strings.Join(q, ", ")
}
