package bigquery

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// cursor is the column strategy of one Read on sdk.Cursor, rendered in
// BigQuery SQL: the read selects cursor >= the checkpoint's cursor,
// ordered by the cursor, and the cursor writer drops the rows the
// checkpoint recorded at that value (see sdk/cursor.go).
type cursor struct {
	*sdk.Cursor
	// native is the cursor column's BigQuery type (INT64, TIMESTAMP…).
	native string
}

// newCursor resolves the column strategy against the relation's schema.
func newCursor(s *source, schema *arrow.Schema) (*cursor, error) {
	idx := schema.FieldIndices(s.opts.IncrementalColumn)
	if len(idx) == 0 {
		return nil, sdk.Errorf(sdk.CodeConfig, "bigquery source %s: incremental_column %q is not a column (columns: %s)", s.name(), s.opts.IncrementalColumn, strings.Join(fieldNames(schema), ", "))
	}
	sc, err := sdk.NewCursor(s.opts.CursorOptions, s.req, nil)
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeOf(err), "bigquery source %s: %w", s.name(), err)
	}
	for _, k := range sc.Keys {
		if len(schema.FieldIndices(k)) == 0 {
			return nil, sdk.Errorf(sdk.CodeConfig, "bigquery source %s: incremental_key column %q is not a column", s.name(), k)
		}
	}
	f := schema.Field(idx[0])
	native := nativeType(f)
	switch native {
	case "INT64", "INTEGER", "FLOAT64", "FLOAT", "NUMERIC", "BIGNUMERIC", "STRING", "DATE", "DATETIME", "TIMESTAMP", "TIME":
	default:
		return nil, sdk.Errorf(sdk.CodeConfig, "bigquery source %s: incremental_column %q is %s: use an INT64, FLOAT64, NUMERIC, STRING, DATE, DATETIME, TIMESTAMP or TIME column", s.name(), f.Name, native)
	}
	c := &cursor{Cursor: sc, native: native}
	if b := c.Bounds(); b.Lookback != nil {
		if _, err := c.shift("x", b.Lookback, "lookback"); err != nil {
			return nil, err
		}
	}
	if sc.SafetyLag != nil {
		if _, err := c.lagBound(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// nativeType is the BigQuery type a field was read as (dpone.native).
func nativeType(f arrow.Field) string {
	if i := f.Metadata.FindKey(sdk.MetaNative); i >= 0 {
		return f.Metadata.Values()[i]
	}
	return ""
}

// fieldNames lists a schema's column names.
func fieldNames(s *arrow.Schema) []string {
	out := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		out[i] = f.Name
	}
	return out
}

// where renders the cursor's bounds (sdk.CursorBounds); the start value is
// the named parameter @dpone_cursor (a STRING cast to the cursor's type).
func (c *cursor) where() (string, map[string]string, error) {
	b := c.Bounds()
	name := quoteIdent(c.Column)
	var vals []string
	params := map[string]string{}
	if b.From != nil {
		start := fmt.Sprintf("CAST(@dpone_cursor AS %s)", c.native)
		if b.Lookback != nil {
			var err error
			if start, err = c.shift(start, b.Lookback, "lookback"); err != nil {
				return "", nil, err
			}
		}
		vals = append(vals, name+" >= "+start)
		params["dpone_cursor"] = *b.From
	}
	if b.SafetyLag != nil {
		lag, err := c.lagBound()
		if err != nil {
			return "", nil, err
		}
		vals = append(vals, name+" <= "+lag)
	}
	var conds []string
	switch {
	case b.IncludeNulls && len(vals) > 0:
		conds = append(conds, "("+name+" IS NULL OR ("+strings.Join(vals, " AND ")+"))")
	case !b.IncludeNulls:
		conds = append([]string{name + " IS NOT NULL"}, vals...)
	}
	return strings.Join(conds, " AND "), params, nil
}

// orderBy orders by the cursor (NULLs first), then the keys.
func (c *cursor) orderBy() string {
	parts := []string{quoteIdent(c.Column) + " ASC NULLS FIRST"}
	for _, k := range c.Keys {
		parts = append(parts, quoteIdent(k)+" ASC NULLS FIRST")
	}
	return strings.Join(parts, ", ")
}

// intervalRe is an interval option: a count and one unit ("2 hours").
var intervalRe = regexp.MustCompile(`(?i)^\s*(\d+)\s*(microsecond|millisecond|second|minute|hour|day|week|month|year)s?\s*$`)

// interval renders an interval option as BigQuery's INTERVAL n UNIT.
func interval(v *sdk.Scalar, key string) (string, error) {
	m := intervalRe.FindStringSubmatch(v.Text)
	if m == nil {
		return "", sdk.Errorf(sdk.CodeConfig, "bigquery source: %s %q: use a count and one unit, e.g. \"2 hours\", \"30 minutes\", \"1 day\"", key, v.Text)
	}
	return "INTERVAL " + m[1] + " " + strings.ToUpper(m[2]), nil
}

// shift renders expr moved back by the lookback v: a number for numeric
// cursors, an interval for DATE, DATETIME, TIMESTAMP and TIME ones.
func (c *cursor) shift(expr string, v *sdk.Scalar, key string) (string, error) {
	switch c.native {
	case "INT64", "INTEGER", "FLOAT64", "FLOAT", "NUMERIC", "BIGNUMERIC":
		if !v.Number {
			return "", sdk.Errorf(sdk.CodeConfig, "bigquery source: %s of the %s cursor %q is a number, not %q", key, c.native, c.Column, v.Text)
		}
		return fmt.Sprintf("(%s - %s)", expr, v.Text), nil
	case "DATE", "DATETIME", "TIMESTAMP", "TIME":
		if v.Number {
			return "", sdk.Errorf(sdk.CodeConfig, "bigquery source: %s of the %s cursor %q is an interval such as \"2 hours\", not the number %s", key, c.native, c.Column, v.Text)
		}
		iv, err := interval(v, key)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s_SUB(%s, %s)", c.native, expr, iv), nil
	}
	return "", sdk.Errorf(sdk.CodeConfig, "bigquery source: %s cannot apply to the %s cursor %q", key, c.native, c.Column)
}

// lagBound is the newest cursor a safety_lag read takes: now minus the
// lag, in the cursor's type.
func (c *cursor) lagBound() (string, error) {
	now := map[string]string{"DATE": "CURRENT_DATE()", "DATETIME": "CURRENT_DATETIME()", "TIMESTAMP": "CURRENT_TIMESTAMP()"}[c.native]
	if now == "" {
		return "", sdk.Errorf(sdk.CodeConfig, "bigquery source: safety_lag needs a DATE, DATETIME or TIMESTAMP cursor; %q is %s", c.Column, c.native)
	}
	return c.shift(now, c.SafetyLag, "safety_lag")
}

// readSQL is the query of a query or incremental read: the selected
// columns of the relation, bounded and ordered by the cursor when there
// is one.
func readSQL(from string, columns []string, cur *cursor) (string, map[string]string, error) {
	sel := "*"
	if len(columns) > 0 {
		sel = identList(columns)
	}
	sql := "SELECT " + sel + " FROM " + from + " AS dpone_src"
	if cur == nil {
		return sql, nil, nil
	}
	where, params, err := cur.where()
	if err != nil {
		return "", nil, err
	}
	if where != "" {
		sql += " WHERE " + where
	}
	return sql + " ORDER BY " + cur.orderBy(), params, nil
}

// nullCountSQL counts NULL cursors (null_policy fail).
func nullCountSQL(from, column string) string {
	return "SELECT COUNT(*) FROM " + from + " AS dpone_src WHERE " + quoteIdent(column) + " IS NULL"
}

// project is the columns a read selects: the requested ones (all when
// none) in the relation's order, plus those the cursor needs.
func project(schema *arrow.Schema, requested, need []string) ([]string, error) {
	if len(requested) == 0 {
		return nil, nil
	}
	want := map[string]bool{}
	for _, c := range append(append([]string{}, requested...), need...) {
		if len(schema.FieldIndices(c)) == 0 {
			return nil, sdk.Errorf(sdk.CodeConfig, "bigquery source: column %q is not a column (columns: %s)", c, strings.Join(fieldNames(schema), ", "))
		}
		want[c] = true
	}
	var out []string
	for _, f := range schema.Fields() {
		if want[f.Name] {
			out = append(out, f.Name)
		}
	}
	return out, nil
}
