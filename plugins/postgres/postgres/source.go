package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dpone-go/dpone/sdk"
)

// readOptions are the manifest's source.options for this connector.
type readOptions struct {
	// Query replaces the table: its result is the stream.
	Query               string `json:"query"`
	IncrementalStrategy string `json:"incremental_strategy"`
	// CursorOptions are the column strategy's keys (incremental_column,
	// incremental_key, null_policy, lookback, initial_value, safety_lag,
	// tie_cap), shared by every source through the SDK.
	sdk.CursorOptions
	// Host-level keys accepted for any source.
	Parallel   json.RawMessage `json:"parallel"`
	BatchBytes json.RawMessage `json:"batch_bytes"`
}

func decodeOptions(raw json.RawMessage, v any, what string) error {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return sdk.Errorf(sdk.CodeConfig, "postgres %s: %s", what, strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

func parseReadOptions(raw json.RawMessage) (readOptions, error) {
	var o readOptions
	if err := decodeOptions(raw, &o, "source options"); err != nil {
		return o, err
	}
	column := []struct {
		key string
		set bool
	}{
		{"incremental_column", o.IncrementalColumn != ""},
		{"incremental_key", len(o.IncrementalKey) > 0},
		{"null_policy", o.NullPolicy != ""},
		{"lookback", present(o.Lookback)},
		{"initial_value", present(o.InitialValue)},
		{"safety_lag", present(o.SafetyLag)},
		{"tie_cap", o.TieCap != nil},
	}
	switch o.IncrementalStrategy {
	case "column":
		if o.IncrementalColumn == "" {
			return o, sdk.Errorf(sdk.CodeConfig, "postgres source: incremental_strategy column needs incremental_column")
		}
	case "xmin":
		for _, k := range column {
			if k.set {
				return o, sdk.Errorf(sdk.CodeConfig, "postgres source: %s belongs to incremental_strategy column, not xmin", k.key)
			}
		}
		if o.Query != "" {
			return o, sdk.Errorf(sdk.CodeConfig, "postgres source: incremental_strategy xmin reads a table, not a query: use incremental_strategy column")
		}
	case "":
		for _, k := range column[3:] {
			if k.set {
				return o, sdk.Errorf(sdk.CodeConfig, "postgres source: %s needs incremental_strategy: column", k.key)
			}
		}
	default:
		return o, sdk.Errorf(sdk.CodeUnsupported, "postgres source: incremental_strategy %q is not supported (supported: column, xmin)", o.IncrementalStrategy)
	}
	return o, nil
}

// present reports whether an optional JSON option was given (not null).
func present(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && string(t) != "null"
}

// Read streams a table (Namespace.Stream) or options.query through
// COPY ... TO STDOUT (FORMAT binary), decoding straight into Arrow.
func (c *Connector) Read(ctx context.Context, req sdk.ReadRequest, out sdk.RecordWriter) error {
	opts, err := parseReadOptions(req.Options)
	if err != nil {
		return err
	}
	if req.Mode == sdk.ReadIncremental && opts.IncrementalStrategy == "" {
		return sdk.Errorf(sdk.CodeConfig, "postgres source: an incremental read of %s needs incremental_strategy: column or xmin", req.Stream)
	}
	if req.CursorRange != nil && opts.IncrementalStrategy != "column" {
		return sdk.Errorf(sdk.CodeConfig, "postgres source: a cursor range of %s needs incremental_strategy: column and incremental_column", req.Stream)
	}
	var part *partitionDesc
	if len(req.Partition) > 0 {
		if part, err = parsePartition(req.Partition, req, opts); err != nil {
			return err
		}
	}
	var xm *xminRead
	if opts.IncrementalStrategy == "xmin" {
		if xm, err = newXmin(req); err != nil {
			return err
		}
	}
	conn, err := connect(ctx, req.Config)
	if err != nil {
		if part != nil {
			c.snapshots.imported(part.Snapshot)
		}
		return err
	}
	// Closing the connection also ends a partition's read transaction.
	defer conn.Close(context.WithoutCancel(ctx))
	if part != nil {
		if err := c.importSnapshot(ctx, conn, part); err != nil {
			return err
		}
	} else if xm != nil {
		// One snapshot for the bounds and the rows (see xmin.go).
		if _, err := conn.Exec(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); err != nil {
			return classify(fmt.Errorf("read %s: begin: %w", streamName(req, opts), err))
		}
	}

	var cols []pgColumn
	var from string
	var pk []string
	var estimate int64
	if opts.Query != "" {
		if cols, err = describeQuery(ctx, conn, opts.Query); err != nil {
			return err
		}
		from = "(" + opts.Query + ") AS _dpone_q"
	} else {
		if req.Stream == "" {
			return sdk.Errorf(sdk.CodeConfig, "postgres source: no stream (table) and no query option")
		}
		rel, err := lookupTable(ctx, conn, req.Namespace, req.Stream)
		if err != nil {
			return err
		}
		cols, pk, estimate = rel.Columns, rel.PK, rel.Rows
		from = qualified(req.Namespace, req.Stream)
		if xm != nil {
			if err := checkXminRelation(ctx, conn, from); err != nil {
				return err
			}
		}
	}
	inc, err := newIncremental(opts, req, pk)
	if err != nil {
		return err
	}
	cols, err = project(cols, req.Columns, inc.columns())
	if err != nil {
		return err
	}
	plans := planColumns(cols)
	fields := make([]arrow.Field, len(cols))
	exprs := make([]string, len(cols))
	for i := range plans {
		fields[i], exprs[i] = plans[i].field, plans[i].expr
	}
	schema := arrow.NewSchema(fields, nil)
	if err := out.Schema(schema); err != nil {
		return err
	}
	natives := map[string]string{}
	for _, col := range cols {
		natives[col.Name] = col.Native
	}
	if err := inc.check(ctx, conn, natives); err != nil {
		return err
	}
	where, order, err := inc.clauses(natives)
	if err != nil {
		return err
	}
	if xm != nil {
		cond, err := xm.begin(ctx, conn, out)
		if err != nil {
			return err
		}
		where = andWhere(where, cond)
	}
	if part != nil {
		where = andWhere(where, part.where())
		estimate = part.Rows
	}
	if inc.enabled() && inc.cur.FailOnNulls() {
		if err := inc.failOnNulls(ctx, conn, from, streamName(req, opts)); err != nil {
			return err
		}
	}
	sql := "COPY (SELECT " + strings.Join(exprs, ", ") + " FROM " + from + where + order + ") TO STDOUT (FORMAT binary)"

	var w sdk.RecordWriter = &progressWriter{RecordWriter: out, estimate: estimate}
	var cw *sdk.CursorWriter
	if inc.enabled() {
		idx, _, err := inc.indexes(schema)
		if err != nil {
			return err
		}
		cw = inc.cur.Writer(w, idx)
		w = cw
	}
	bb := sdk.NewBatchBuilder(memory.DefaultAllocator, schema, w)
	defer bb.Release()
	dec := newCopyDecoder(plans, bb)
	if _, err := conn.PgConn().CopyTo(ctx, dec, sql); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return classify(fmt.Errorf("read %s: %w", streamName(req, opts), err))
	}
	if err := dec.finish(); err != nil {
		return err
	}
	if err := bb.Flush(); err != nil {
		return err
	}
	if cw != nil {
		return cw.Finish()
	}
	if xm != nil {
		return xm.checkpoint(out)
	}
	return nil
}

// progressWriter reports rows done after every record.
type progressWriter struct {
	sdk.RecordWriter
	rows, estimate int64
}

func (w *progressWriter) Write(rec arrow.RecordBatch) error {
	if err := w.RecordWriter.Write(rec); err != nil {
		return err
	}
	w.rows += rec.NumRows()
	return w.Progress(w.rows, w.estimate)
}

// andWhere adds cond to a " WHERE ..." clause (or starts one).
func andWhere(where, cond string) string {
	switch {
	case cond == "":
		return where
	case where == "":
		return " WHERE " + cond
	}
	return where + " AND " + cond
}

func streamName(req sdk.ReadRequest, opts readOptions) string {
	if opts.Query != "" {
		return "query"
	}
	return qualified(req.Namespace, req.Stream)
}

// project keeps the requested columns in the requested order (all when none
// are requested) and appends the incremental columns a projection left out.
func project(cols []pgColumn, want, need []string) ([]pgColumn, error) {
	if len(want) == 0 {
		for _, n := range need {
			if !slices.ContainsFunc(cols, func(c pgColumn) bool { return c.Name == n }) {
				return nil, sdk.Errorf(sdk.CodeSchema, "postgres source: column %q does not exist", n)
			}
		}
		return cols, nil
	}
	out := make([]pgColumn, 0, len(want)+len(need))
	for _, n := range append(slices.Clone(want), need...) {
		if slices.ContainsFunc(out, func(c pgColumn) bool { return c.Name == n }) {
			continue
		}
		i := slices.IndexFunc(cols, func(c pgColumn) bool { return c.Name == n })
		if i < 0 {
			return nil, sdk.Errorf(sdk.CodeSchema, "postgres source: column %q does not exist", n)
		}
		out = append(out, cols[i])
	}
	return out, nil
}
