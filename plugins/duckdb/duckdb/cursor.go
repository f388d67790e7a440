package duckdb

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dpone-go/dpone/sdk"
)

// checkpoint is the state of an incremental read: the cursor and key of the
// last row read, as DuckDB renders them as text (lossless for numbers,
// decimals, dates and timestamps). Version 1.
type checkpoint struct {
	V      int       `json:"v"`
	Cursor *string   `json:"cursor"`
	Key    []*string `json:"key,omitempty"`
}

// cursor tracks an incremental read by (cursor column, key columns).
type cursor struct {
	col      column
	keys     []column
	prior    *checkpoint // nil: read everything
	last     checkpoint
	seen     bool
	lastSent string
	// lookback widens reads after the first: cursor >= prior - lookback
	// (see window.go); initial bounds the first incremental read.
	lookback *sdk.Scalar
	initial  *sdk.Scalar
}

func newCursor(opts sourceOptions, all []column, req sdk.ReadRequest) (*cursor, error) {
	i := indexOf(all, opts.IncrementalColumn)
	if i < 0 {
		return nil, sdk.Errorf(sdk.CodeConfig, "incremental_column %q is not a column of %s", opts.IncrementalColumn, streamName(req))
	}
	c := &cursor{col: all[i], last: checkpoint{V: 1}}
	for _, k := range opts.IncrementalKey {
		j := indexOf(all, k)
		if j < 0 {
			return nil, sdk.Errorf(sdk.CodeConfig, "incremental_key column %q is not a column of %s", k, streamName(req))
		}
		c.keys = append(c.keys, all[j])
	}
	var err error
	if c.lookback, err = sdk.ParseScalar(opts.Lookback, "lookback"); err != nil {
		return nil, err
	}
	if req.Mode == sdk.ReadIncremental {
		// A full read is the whole stream: initial_value does not apply.
		if c.initial, err = sdk.ParseScalar(opts.InitialValue, "initial_value"); err != nil {
			return nil, err
		}
	}
	if req.Mode != sdk.ReadIncremental || len(req.PriorState) == 0 {
		return c, nil
	}
	var cp checkpoint
	if err := json.Unmarshal(req.PriorState, &cp); err != nil {
		return nil, sdk.Errorf(sdk.CodeConfig, "prior state of %s is not a duckdb checkpoint: %w", streamName(req), err)
	}
	if cp.V != 1 {
		return nil, sdk.Errorf(sdk.CodeConfig, "prior state of %s has version %d, want 1 (reset the state)", streamName(req), cp.V)
	}
	if cp.Cursor == nil {
		return c, nil // nothing with a cursor was read yet
	}
	if len(cp.Key) != 0 && len(cp.Key) != len(c.keys) {
		return nil, sdk.Errorf(sdk.CodeConfig, "prior state of %s has %d key values but incremental_key has %d columns (reset the state)",
			streamName(req), len(cp.Key), len(c.keys))
	}
	c.prior = &cp
	c.last = cp
	return c, nil
}

// textColumns selects the cursor and key columns as text.
func (c *cursor) textColumns() string {
	parts := []string{fmt.Sprintf("CAST(%s AS VARCHAR)", quote(c.col.name))}
	for _, k := range c.keys {
		parts = append(parts, fmt.Sprintf("CAST(%s AS VARCHAR)", quote(k.name)))
	}
	return strings.Join(parts, ", ")
}

func (c *cursor) orderBy() string {
	parts := []string{quote(c.col.name) + " NULLS FIRST"}
	for _, k := range c.keys {
		parts = append(parts, quote(k.name)+" NULLS FIRST")
	}
	return strings.Join(parts, ", ")
}

// where selects rows strictly after the prior (cursor, key):
// c > x OR (c = x AND (k1 > y1 OR (k1 = y1 AND k2 > y2))); with lookback,
// c >= x - lookback; on a first incremental read with initial_value,
// c >= initial_value (and the NULL cursors).
func (c *cursor) where() (string, []any) {
	switch {
	case c.prior == nil && c.initial != nil:
		// NULL cursors come on the first read, as without initial_value.
		return fmt.Sprintf("(%s IS NULL OR %s >= CAST(? AS %s))", quote(c.col.name), quote(c.col.name), c.col.native), []any{c.initial.Text}
	case c.prior == nil:
		return "", nil
	case c.lookback != nil:
		return quote(c.col.name) + " >= " + c.windowStart(), []any{*c.prior.Cursor, c.lookback.Text}
	}
	cols := append([]column{c.col}, c.keys...)
	vals := append([]*string{c.prior.Cursor}, c.prior.Key...)
	if len(c.prior.Key) == 0 {
		cols, vals = cols[:1], vals[:1]
	}
	var args []any
	var build func(i int) string
	build = func(i int) string {
		val := fmt.Sprintf("CAST(? AS %s)", cols[i].native)
		gt := fmt.Sprintf("%s > %s", quote(cols[i].name), val)
		args = append(args, deref(vals[i]))
		if i == len(cols)-1 {
			return gt
		}
		eq := fmt.Sprintf("%s IS NOT DISTINCT FROM %s", quote(cols[i].name), val)
		args = append(args, deref(vals[i]))
		return fmt.Sprintf("(%s OR (%s AND %s))", gt, eq, build(i+1))
	}
	return build(0), args
}

func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// observe records the cursor and key text of the row just read.
func (c *cursor) observe(vals []any) {
	if vals[0] == nil {
		return // NULL cursors sort first and never move the checkpoint
	}
	c.seen = true
	c.last.Cursor = textOf(vals[0])
	c.last.Key = c.last.Key[:0]
	for _, v := range vals[1:] {
		c.last.Key = append(c.last.Key, textOf(v))
	}
}

func textOf(v any) *string {
	if v == nil {
		return nil
	}
	s := fmt.Sprint(v)
	return &s
}

// checkpoint sends the current state when it moved since the last one.
func (c *cursor) checkpoint(out sdk.RecordWriter) error {
	if c.last.Cursor == nil {
		return nil
	}
	b, err := json.Marshal(c.last)
	if err != nil {
		return err
	}
	if string(b) == c.lastSent {
		return nil
	}
	c.lastSent = string(b)
	return out.Checkpoint(b)
}
