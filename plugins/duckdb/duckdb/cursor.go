package duckdb

import (
	"context"
	"fmt"
	"strings"

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
		return nil, sdk.Errorf(sdk.CodeOf(err), "duckdb source %s: %w", streamName(req), err)
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
	parts := []string{quote(c.col.name) + " NULLS FIRST"}
	for _, k := range c.keys {
		parts = append(parts, quote(k.name)+" NULLS FIRST")
	}
	return strings.Join(parts, ", ")
}

// where renders the cursor's bounds (sdk.CursorBounds): cursor >= the
// checkpoint's value (minus lookback), or >= initial_value on a first
// read; NULL cursors only on a read that takes them; cursor <= now() -
// safety_lag. Values are cast to the cursor's own type.
func (c *cursor) where() (string, []any) {
	b := c.Bounds()
	name := quote(c.col.name)
	var vals []string // conditions on non-NULL cursors
	var args []any
	if b.From != nil {
		if b.Lookback != nil {
			vals = append(vals, name+" >= "+c.windowStart())
			args = append(args, *b.From, b.Lookback.Text)
		} else {
			vals = append(vals, fmt.Sprintf("%s >= CAST(? AS %s)", name, c.col.native))
			args = append(args, *b.From)
		}
	}
	if b.Upper != nil {
		vals = append(vals, fmt.Sprintf("%s < CAST(? AS %s)", name, c.col.native))
		args = append(args, *b.Upper)
	}
	if b.SafetyLag != nil {
		vals = append(vals, fmt.Sprintf("%s <= CAST(now() - CAST(? AS INTERVAL) AS %s)", name, c.col.native))
		args = append(args, b.SafetyLag.Text)
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
func (c *cursor) failOnNulls(ctx context.Context, q queryer, from, stream string) error {
	var found bool
	if err := q.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM "+from+" WHERE "+quote(c.col.name)+" IS NULL)").Scan(&found); err != nil {
		return classify(fmt.Errorf("check NULL cursors of %s: %w", stream, err))
	}
	if found {
		return c.NullsError(stream)
	}
	return nil
}
