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
	Query               string   `json:"query"`
	IncrementalStrategy string   `json:"incremental_strategy"`
	IncrementalColumn   string   `json:"incremental_column"`
	IncrementalKey      []string `json:"incremental_key"`
	// NullPolicy is what an incremental read does with NULL cursors:
	// include_once (default), skip or fail.
	NullPolicy string `json:"null_policy"`
	// Host-level keys accepted for any source.
	Parallel   json.RawMessage `json:"parallel"`
	BatchBytes json.RawMessage `json:"batch_bytes"`
}

// Null cursor policies.
const (
	NullIncludeOnce = "include_once"
	NullSkip        = "skip"
	NullFail        = "fail"
)

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
	switch o.IncrementalStrategy {
	case "", "column":
	default:
		return o, sdk.Errorf(sdk.CodeUnsupported, "postgres source: incremental_strategy %q is not supported (supported: column)", o.IncrementalStrategy)
	}
	if o.IncrementalStrategy == "column" && o.IncrementalColumn == "" {
		return o, sdk.Errorf(sdk.CodeConfig, "postgres source: incremental_strategy column needs incremental_column")
	}
	switch o.NullPolicy {
	case "":
		o.NullPolicy = NullIncludeOnce
	case NullIncludeOnce, NullSkip, NullFail:
	default:
		return o, sdk.Errorf(sdk.CodeConfig, "postgres source: null_policy %q: want include_once, skip or fail", o.NullPolicy)
	}
	return o, nil
}

// Read streams a table (Namespace.Stream) or options.query through
// COPY ... TO STDOUT (FORMAT binary), decoding straight into Arrow.
func (c *Connector) Read(ctx context.Context, req sdk.ReadRequest, out sdk.RecordWriter) error {
	opts, err := parseReadOptions(req.Options)
	if err != nil {
		return err
	}
	if req.Mode == sdk.ReadIncremental && opts.IncrementalStrategy == "" {
		return sdk.Errorf(sdk.CodeConfig, "postgres source: an incremental read of %s needs incremental_strategy: column", req.Stream)
	}
	var part *partitionDesc
	if len(req.Partition) > 0 {
		if part, err = parsePartition(req.Partition, req, opts); err != nil {
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
	}
	inc, err := newIncremental(opts, req, pk)
	if err != nil {
		return err
	}
	cols, err = project(cols, req.Columns, inc.columns())
	if err != nil {
		return err
	}
	plans := make([]colPlan, len(cols))
	fields := make([]arrow.Field, len(cols))
	exprs := make([]string, len(cols))
	for i, col := range cols {
		plans[i] = planColumn(col)
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
	where, order, err := inc.clauses(natives)
	if err != nil {
		return err
	}
	if part != nil {
		where = andWhere(where, part.where())
		estimate = part.Rows
	}
	if inc.enabled() && opts.NullPolicy == NullFail {
		if err := inc.failOnNulls(ctx, conn, from); err != nil {
			return err
		}
	}
	sql := "COPY (SELECT " + strings.Join(exprs, ", ") + " FROM " + from + where + order + ") TO STDOUT (FORMAT binary)"

	cw := &checkpointWriter{RecordWriter: out, inc: inc, estimate: estimate}
	if inc.enabled() {
		if cw.cursorIdx, cw.keyIdx, err = inc.indexes(schema); err != nil {
			return err
		}
	}
	bb := sdk.NewBatchBuilder(memory.DefaultAllocator, schema, cw)
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
	if inc.enabled() {
		return cw.final()
	}
	return nil
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
