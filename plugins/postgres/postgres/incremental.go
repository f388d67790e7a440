package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5"

	"github.com/dpone-go/dpone/sdk"
)

// incremental is the column strategy of one Read, on sdk.Cursor: the
// read selects cursor >= the checkpoint's cursor, and the cursor writer
// drops the rows the checkpoint recorded at that value (see sdk/cursor.go).
type incremental struct {
	on  bool
	cur *sdk.Cursor // nil when the strategy is not column
}

func newIncremental(opts readOptions, req sdk.ReadRequest, pk []string) (*incremental, error) {
	inc := &incremental{on: opts.IncrementalStrategy == "column"}
	if !inc.on {
		return inc, nil
	}
	cur, err := sdk.NewCursor(opts.CursorOptions, req, pk)
	if err != nil {
		return nil, prefixed(err)
	}
	inc.cur = cur
	return inc, nil
}

// prefixed names this source in an sdk error, keeping its code.
func prefixed(err error) error {
	return sdk.Errorf(sdk.CodeOf(err), "postgres source: %w", err)
}

func (inc *incremental) enabled() bool { return inc.on }

// columns are those the checkpoint needs in every record.
func (inc *incremental) columns() []string {
	if !inc.on {
		return nil
	}
	return inc.cur.Columns()
}

// clauses renders the WHERE and ORDER BY of the COPY query from the
// cursor's bounds: NULL cursors sort first on a read that takes them;
// every value compares against a literal cast to the cursor's own type, so
// an index on the cursor serves the read.
func (inc *incremental) clauses(natives map[string]string) (where, order string, err error) {
	if !inc.on {
		return "", "", nil
	}
	c := inc.cur
	b := c.Bounds()
	native := natives[c.Column]
	cur := ident(c.Column)
	var vals []string // conditions on non-NULL cursors
	if b.From != nil {
		lower := literal(*b.From) + "::" + native
		if b.Lookback != nil {
			if lower, err = inc.windowStart(*b.From, native); err != nil {
				return "", "", err
			}
		}
		vals = append(vals, cur+" >= "+lower)
	}
	if b.Upper != nil {
		vals = append(vals, cur+" < "+literal(*b.Upper)+"::"+native)
	}
	if b.SafetyLag != nil {
		vals = append(vals, cur+" <= (now() - "+literal(b.SafetyLag.Text)+"::interval)::"+native)
	}
	var conds []string
	nulls := ""
	switch {
	case b.IncludeNulls:
		nulls = " NULLS FIRST"
		if len(vals) > 0 {
			conds = append(conds, "("+cur+" IS NULL OR ("+strings.Join(vals, " AND ")+"))")
		}
	default:
		conds = append([]string{cur + " IS NOT NULL"}, vals...)
	}
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	order = " ORDER BY " + cur + nulls
	for _, k := range c.Keys {
		order += ", " + ident(k)
	}
	return where, order, nil
}

// rangeWhere is the WHERE of a native payload read of a cursor range
// ("" without one): the rows the Arrow read of the range selects.
func rangeWhere(ctx context.Context, conn *pgx.Conn, opts readOptions, req sdk.ReadRequest, cols []pgColumn) (string, error) {
	if req.CursorRange == nil {
		return "", nil
	}
	if opts.IncrementalStrategy != "column" {
		return "", sdk.Errorf(sdk.CodeConfig, "postgres source: a cursor range needs incremental_strategy: column and incremental_column")
	}
	inc, err := newIncremental(opts, req, nil)
	if err != nil {
		return "", err
	}
	natives := map[string]string{}
	for _, col := range cols {
		natives[col.Name] = col.Native
	}
	if _, ok := natives[inc.cur.Column]; !ok {
		return "", sdk.Errorf(sdk.CodeSchema, "postgres source: incremental_column %q does not exist", inc.cur.Column)
	}
	if err := inc.check(ctx, conn, natives); err != nil {
		return "", err
	}
	where, _, err := inc.clauses(natives)
	return where, err
}

// failOnNulls is null_policy fail: a DATA error when any cursor is NULL.
func (inc *incremental) failOnNulls(ctx context.Context, conn *pgx.Conn, from, name string) error {
	var found bool
	q := "SELECT EXISTS (SELECT 1 FROM " + from + " WHERE " + ident(inc.cur.Column) + " IS NULL)"
	if err := conn.QueryRow(ctx, q).Scan(&found); err != nil {
		return classify(fmt.Errorf("check NULL cursors: %w", err))
	}
	if found {
		return prefixed(inc.cur.NullsError(name))
	}
	return nil
}

// indexes locates the cursor and key columns in the schema.
func (inc *incremental) indexes(s *arrow.Schema) (int, []int, error) {
	idx := func(n string) (int, error) {
		is := s.FieldIndices(n)
		if len(is) == 0 {
			return 0, sdk.Errorf(sdk.CodeSchema, "postgres source: column %q does not exist", n)
		}
		if _, ok := s.Field(is[0]).Type.(*arrow.ListType); ok {
			return 0, sdk.Errorf(sdk.CodeConfig, "postgres source: column %q is an array and cannot be an incremental cursor or key", n)
		}
		return is[0], nil
	}
	c, err := idx(inc.cur.Column)
	if err != nil {
		return 0, nil, err
	}
	keys := make([]int, len(inc.cur.Keys))
	for i, k := range inc.cur.Keys {
		if keys[i], err = idx(k); err != nil {
			return 0, nil, err
		}
	}
	return c, keys, nil
}
