package sdk

import (
	"encoding/json"
	"fmt"
)

// The column incremental strategy, built once for every source that reads
// by a cursor column (incremental_strategy: column).
//
// A read selects cursor >= the checkpoint's cursor (never >), ordered by
// the cursor. The checkpoint holds the largest cursor value read and the
// fingerprints of the rows read at that value (the tie group); the next
// read drops the rows whose fingerprint it holds, so a row inserted later
// at that value, or updated onto it with any key, is read, and a row read
// once is not read again. A tie group larger than tie_cap is not
// remembered: the next read reads the whole group again (idempotent with
// incremental_merge, duplicates with incremental_append) and the source
// says so in a WARN log. What no cursor sees, and the remedies (lookback,
// xmin, safety_lag), are in docs/guarantees.md.
//
// A source uses it in four steps:
//
//	cur, err := sdk.NewCursor(opts.CursorOptions, req, pk)  // options + prior state
//	b := cur.Bounds()                                        // render WHERE / ORDER BY
//	cw := cur.Writer(out, cursorIndex)                       // wraps the RecordWriter
//	... write records through cw (rows ordered by the cursor) ...
//	return cw.Finish()                                       // the last checkpoint

// CursorOptions are the source.options keys of the column strategy. A
// source embeds them in its options struct, so every source spells them
// the same way.
type CursorOptions struct {
	IncrementalColumn string   `json:"incremental_column" doc:"incremental_strategy column: the cursor column"`
	IncrementalKey    []string `json:"incremental_key" doc:"columns that order rows with equal cursors (default: the primary key)"`
	// NullPolicy is what a read does with NULL cursors: include_once
	// (default: read on the first read only), skip or fail.
	NullPolicy string `json:"null_policy" doc:"NULL cursors: include_once (default), skip or fail"`
	// Lookback makes every read after the first start that far before the
	// checkpoint's cursor: an interval ("2 hours") for date and timestamp
	// cursors, a number for numeric ones. Rows in the window are read again.
	Lookback json.RawMessage `json:"lookback" doc:"re-read this far before the checkpoint: an interval or a number"`
	// InitialValue is where the first incremental read starts: cursor >= it.
	InitialValue json.RawMessage `json:"initial_value" doc:"where the first incremental read starts (cursor >= it)"`
	// SafetyLag makes an incremental read take only rows with cursor <=
	// now() - safety_lag (an interval, date and timestamp cursors), so a
	// transaction that commits up to that late with an older cursor is
	// still read. A full read ignores it.
	SafetyLag json.RawMessage `json:"safety_lag" doc:"read only rows with cursor <= now() - safety_lag (an interval)"`
	// TieCap is how many rows at the last cursor value a checkpoint
	// remembers (default DefaultTieCap); past it the group is read again.
	TieCap *int `json:"tie_cap" doc:"rows at the last cursor value a checkpoint remembers (default 10000)"`
}

// DefaultTieCap is the default tie_cap: a checkpoint remembers up to this
// many rows at its cursor value (about 25 bytes each in the state).
const DefaultTieCap = 10000

// Null cursor policies (null_policy).
const (
	NullIncludeOnce = "include_once"
	NullSkip        = "skip"
	NullFail        = "fail"
)

// CursorStateVersion is the version of the checkpoints Cursor writes.
// Version 1 (the (cursor, key) of the last row read) is still read: see
// CursorState.
const CursorStateVersion = 2

// CursorState is the checkpoint of the column strategy (JSON).
type CursorState struct {
	V int `json:"v"`
	// Strategy is "column"; other strategies' checkpoints name themselves.
	Strategy string `json:"strategy,omitempty"`
	// Cursor is the largest cursor value read, as text the source parses
	// back into its cursor type; nil when no non-NULL cursor was read yet.
	Cursor *string `json:"cursor,omitempty"`
	// Seen are the fingerprints (key and row) of the rows read at Cursor,
	// one entry per row.
	Seen []string `json:"seen,omitempty"`
	// Overflow, when > 0, is how many rows were at Cursor when that was
	// more than tie_cap: Seen is empty and the next read reads them again.
	Overflow int `json:"overflow,omitempty"`
	// Key is the version 1 tie-breaker (the key of the last row read). A
	// version 1 checkpoint is migrated: the next read takes cursor >=
	// Cursor and drops nothing (merge semantics; a WARN log says so).
	Key []*string `json:"key,omitempty"`
}

// Cursor is the column strategy of one Read: what to select, and the
// checkpoints to send.
type Cursor struct {
	// Column is the cursor column; Keys order the rows within a cursor value
	// (incremental_key, else the primary key; not needed for correctness).
	Column string
	Keys   []string
	// NullPolicy is include_once, skip or fail.
	NullPolicy string
	// Lookback, Initial and SafetyLag are the parsed options (nil: unset).
	Lookback, Initial, SafetyLag *Scalar
	// TieCap is the resolved tie_cap.
	TieCap int

	rng         *CursorRange // a backfill chunk: [Lower, Upper), no NULLs
	prior       *CursorState // nil: no checkpoint (a first or a full read)
	legacy      bool         // prior is a version 1 checkpoint
	incremental bool         // req.Mode is ReadIncremental
}

// NewCursor parses the column strategy's options and the prior state of
// req (used only when req.Mode is ReadIncremental). pk is the stream's
// primary key, the default incremental_key. Errors carry CodeConfig.
func NewCursor(opts CursorOptions, req ReadRequest, pk []string) (*Cursor, error) {
	if opts.IncrementalColumn == "" {
		return nil, Errorf(CodeConfig, "incremental_strategy column needs incremental_column")
	}
	c := &Cursor{Column: opts.IncrementalColumn, NullPolicy: opts.NullPolicy, TieCap: DefaultTieCap}
	switch c.NullPolicy {
	case "":
		c.NullPolicy = NullIncludeOnce
	case NullIncludeOnce, NullSkip, NullFail:
	default:
		return nil, Errorf(CodeConfig, "null_policy %q: want include_once, skip or fail", opts.NullPolicy)
	}
	keys := opts.IncrementalKey
	if len(keys) == 0 {
		keys = pk
	}
	for _, k := range keys {
		if k != c.Column {
			c.Keys = append(c.Keys, k)
		}
	}
	if opts.TieCap != nil {
		if *opts.TieCap < 0 {
			return nil, Errorf(CodeConfig, "tie_cap %d is negative: want the number of rows at one cursor value a checkpoint remembers (default %d)", *opts.TieCap, DefaultTieCap)
		}
		c.TieCap = *opts.TieCap
	}
	var err error
	if c.Lookback, err = ParseScalar(opts.Lookback, "lookback"); err != nil {
		return nil, err
	}
	if c.SafetyLag, err = ParseScalar(opts.SafetyLag, "safety_lag"); err != nil {
		return nil, err
	}
	if c.SafetyLag != nil && c.SafetyLag.Number {
		return nil, Errorf(CodeConfig, "safety_lag is an interval such as \"5 minutes\", not the number %s", c.SafetyLag.Text)
	}
	if req.CursorRange != nil {
		return c, c.setRange(req)
	}
	if req.Mode != ReadIncremental {
		return c, nil // a full read is the whole stream: no initial_value, safety_lag or checkpoint
	}
	c.incremental = true
	if c.Initial, err = ParseScalar(opts.InitialValue, "initial_value"); err != nil {
		return nil, err
	}
	if len(req.PriorState) == 0 {
		return c, nil
	}
	var cp CursorState
	if err := json.Unmarshal(req.PriorState, &cp); err != nil {
		return nil, Errorf(CodeConfig, "prior state is not a column checkpoint (%w): reset the stream's state (dpone state reset)", err)
	}
	if cp.Strategy != "" && cp.Strategy != "column" {
		return nil, Errorf(CodeConfig, "the prior state is a %s checkpoint, not a column one (the incremental_strategy changed?): reset the stream's state (dpone state reset)", cp.Strategy)
	}
	switch cp.V {
	case 1:
		c.legacy = true
		cp.Seen, cp.Overflow = nil, 0
	case CursorStateVersion:
	default:
		return nil, Errorf(CodeConfig, "column checkpoint version %d is not supported (want 1 or %d): reset the stream's state (dpone state reset)", cp.V, CursorStateVersion)
	}
	c.prior = &cp
	return c, nil
}

// CursorBounds is what one read selects, for the source to render in its
// dialect, comparing against values cast to the cursor's own type:
//
//	IncludeNulls && From != nil:  (cursor IS NULL OR cursor >= start)
//	IncludeNulls && From == nil:  no condition
//	!IncludeNulls:                cursor IS NOT NULL [AND cursor >= start]
//	SafetyLag != nil:             AND cursor <= now() - SafetyLag
//	ORDER BY cursor [NULLS FIRST when IncludeNulls], Keys...
//
// where start is From, minus Lookback when Lookback is set; and
//
//	Upper != nil:                 AND cursor < Upper
//
// on a read of a cursor range (never with IncludeNulls, Lookback or
// SafetyLag).
type CursorBounds struct {
	From *string
	// Upper is the exclusive upper bound of a cursor range read
	// (ReadRequest.CursorRange), nil otherwise.
	Upper    *string
	Lookback *Scalar
	// IncludeNulls is a read that takes NULL cursors (the first read under
	// include_once); they must sort first.
	IncludeNulls bool
	SafetyLag    *Scalar
}

// Bounds returns the selection of this read.
func (c *Cursor) Bounds() CursorBounds {
	var b CursorBounds
	if c.rng != nil {
		lo, up := c.rng.Lower, c.rng.Upper
		return CursorBounds{From: &lo, Upper: &up}
	}
	if c.incremental {
		// A full read (full_refresh, snapshot_diff) must see every row.
		b.SafetyLag = c.SafetyLag
	}
	switch {
	case c.prior == nil:
		b.IncludeNulls = c.NullPolicy == NullIncludeOnce
		if c.Initial != nil {
			b.From = &c.Initial.Text
		}
	case c.prior.Cursor != nil:
		b.From = c.prior.Cursor
		b.Lookback = c.Lookback
	}
	return b
}

// Prior is the checkpoint this read resumes from (nil: none).
func (c *Cursor) Prior() *CursorState { return c.prior }

// FailOnNulls reports whether NULL cursors are an error (null_policy fail):
// the source checks for them before reading and returns a CodeData error.
// A range read never reads NULL cursors and does not check.
func (c *Cursor) FailOnNulls() bool { return c.NullPolicy == NullFail && c.rng == nil }

// Range is the cursor range this read is limited to (nil: none).
func (c *Cursor) Range() *CursorRange { return c.rng }

// setRange limits the read to req.CursorRange: a slice of a full read.
func (c *Cursor) setRange(req ReadRequest) error {
	r := *req.CursorRange
	switch {
	case req.Mode == ReadIncremental || len(req.PriorState) > 0:
		return Errorf(CodeConfig, "a cursor range [%s, %s) is read in full mode without a prior state, not incrementally", r.Lower, r.Upper)
	case r.Lower == "" || r.Upper == "":
		return Errorf(CodeConfig, "cursor range [%q, %q) needs both bounds", r.Lower, r.Upper)
	}
	c.rng = &r
	return nil
}

// Columns are the columns every record must carry: the cursor, then the keys.
func (c *Cursor) Columns() []string { return append([]string{c.Column}, c.Keys...) }

// NullsError is the error of null_policy fail finding NULL cursors.
func (c *Cursor) NullsError(stream string) error {
	return Errorf(CodeData, "incremental_column %q of %s has NULL values and null_policy is fail: fill them, or set null_policy: include_once or skip", c.Column, stream)
}

// migrationNote is the WARN a read from a version 1 checkpoint logs.
func (c *Cursor) migrationNote() string {
	return fmt.Sprintf("cursor: the checkpoint is version 1 (cursor, key): this read takes %s >= %s and drops nothing, so rows at that value are read again "+
		"(incremental_merge absorbs them; incremental_append loads them twice); later checkpoints are version %d and lose no row at a tie",
		c.Column, deref(c.prior.Cursor), CursorStateVersion)
}

func deref(s *string) string {
	if s == nil {
		return "NULL"
	}
	return *s
}
