package clickhouse

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// cursor is the column strategy of one Read, on sdk.Cursor: the read
// selects cursor >= the checkpoint's cursor, and the cursor writer drops
// the rows the checkpoint recorded at that value (see sdk/cursor.go).
type cursor struct {
	*sdk.Cursor
	col  column
	keys []column
}

func newCursor(opts sourceOptions, all []column, req sdk.ReadRequest) (*cursor, error) {
	i := indexOf(all, opts.IncrementalColumn)
	if i < 0 {
		return nil, sdk.Errorf(sdk.CodeConfig, "incremental_column %q is not a column of %s", opts.IncrementalColumn, streamName(req))
	}
	sc, err := sdk.NewCursor(opts.CursorOptions, req, nil)
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeOf(err), "clickhouse source %s: %w", streamName(req), err)
	}
	c := &cursor{Cursor: sc, col: all[i]}
	for _, k := range sc.Keys {
		j := indexOf(all, k)
		if j < 0 {
			return nil, sdk.Errorf(sdk.CodeConfig, "incremental_key column %q is not a column of %s", k, streamName(req))
		}
		c.keys = append(c.keys, all[j])
	}
	return c, nil
}

// orderBy orders by cursor (NULLs first), then the keys.
func (c *cursor) orderBy() string {
	parts := []string{quote(c.col.name) + " ASC NULLS FIRST"}
	for _, k := range c.keys {
		parts = append(parts, quote(k.name)+" ASC NULLS FIRST")
	}
	return strings.Join(parts, ", ")
}

// value renders the cursor's literal (a bound ?) as the cursor's type:
// timestamps are parsed as UTC (sdk.CursorText writes them in UTC, and
// naive timestamps are stored as UTC wall clock), dates as Date32,
// anything else cast to the column's type.
func (c *cursor) value() string {
	switch c.col.field.Type.(type) {
	case *arrow.TimestampType:
		return "parseDateTime64BestEffort(?, 9, 'UTC')"
	case *arrow.Date32Type:
		return "toDate32(?)"
	case *arrow.StringType:
		return "?"
	default:
		return "CAST(? AS " + inner(c.col.native) + ")"
	}
}

// inner strips Nullable and LowCardinality from a ClickHouse type.
func inner(typ string) string {
	for _, w := range []string{"LowCardinality(", "Nullable("} {
		if strings.HasPrefix(typ, w) {
			typ = strings.TrimSuffix(strings.TrimPrefix(typ, w), ")")
		}
	}
	return typ
}

// where renders the cursor's bounds (sdk.CursorBounds).
func (c *cursor) where() (string, []any) {
	b := c.Bounds()
	name := quote(c.col.name)
	var vals []string
	var args []any
	if b.From != nil {
		// The checkpoint's value is sent as a quoted literal (what
		// clickhouse-go's binding sends), so the read needs no bound
		// arguments and goes through native blocks.
		start := strings.Replace(c.value(), "?", literal(*b.From), 1)
		if b.Lookback != nil {
			if b.Lookback.Number {
				start = "(" + start + " - " + b.Lookback.Text + ")"
			} else {
				start = "(" + start + " - INTERVAL " + literal(b.Lookback.Text) + ")"
			}
		}
		vals = append(vals, name+" >= "+start)
	}
	if b.SafetyLag != nil {
		vals = append(vals, name+" <= now64(6) - INTERVAL "+literal(b.SafetyLag.Text))
	}
	var conds []string
	switch {
	case b.IncludeNulls && len(vals) > 0:
		conds = append(conds, "("+name+" IS NULL OR ("+strings.Join(vals, " AND ")+"))")
	case !b.IncludeNulls:
		conds = append([]string{name + " IS NOT NULL"}, vals...)
	}
	return strings.Join(conds, " AND "), args
}

// failOnNulls is null_policy fail: a DATA error when any cursor is NULL.
func (c *cursor) failOnNulls(ctx context.Context, s *server, from, stream string) error {
	var n uint64
	if err := s.conn.QueryRow(detach(ctx), "SELECT count() FROM "+from+" WHERE "+quote(c.col.name)+" IS NULL").Scan(&n); err != nil {
		return classify(fmt.Errorf("check NULL cursors of %s: %w", stream, err))
	}
	if n > 0 {
		return c.NullsError(stream)
	}
	return nil
}
