package mssql

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// sourceOptions are the SQL Server source's own keys of source.options.
type sourceOptions struct {
	// IncrementalStrategy is "column" (the only one implemented) or empty.
	IncrementalStrategy string `json:"incremental_strategy"`
	// CursorOptions are the column strategy's keys (incremental_column,
	// incremental_key, null_policy, lookback, initial_value, safety_lag,
	// tie_cap), shared by every source through the SDK.
	sdk.CursorOptions
}

// Read streams SELECT <columns> FROM <table> into Arrow records sized by
// out.BatchBytes(): rows are decoded one at a time into the builders, never
// buffered whole. With incremental_strategy column, rows come in (cursor,
// key) order from the cursor's bounds and sdk.Cursor's writer drops the
// rows the checkpoint already holds and writes the checkpoints.
func (c *Connector) Read(ctx context.Context, req sdk.ReadRequest, out sdk.RecordWriter) error {
	var opts sourceOptions
	if err := sdk.DecodeOptions(req.Options, &opts, "mssql source options"); err != nil {
		return err
	}
	switch opts.IncrementalStrategy {
	case "", "column":
	default:
		return sdk.Errorf(sdk.CodeUnsupported, "mssql source: incremental_strategy %q is not supported (supported: column)", opts.IncrementalStrategy)
	}
	if req.Mode == sdk.ReadIncremental && opts.IncrementalStrategy == "" {
		return sdk.Errorf(sdk.CodeConfig, "mssql source: incremental read of %s needs options incremental_strategy: column and incremental_column", streamName(req))
	}
	pwhere, err := partitionWhere(req.Partition)
	if err != nil {
		return err
	}
	if pwhere != "" && opts.IncrementalStrategy != "" && req.Mode == sdk.ReadIncremental {
		return sdk.Errorf(sdk.CodeConfig, "mssql source: an incremental read of %s cannot be split into key ranges: set parallel: 1", streamName(req))
	}
	db, err := open(ctx, req.Config)
	if err != nil {
		return err
	}
	defer db.Close()
	schema := req.Namespace
	if schema == "" {
		schema = "dbo"
	}
	ts, err := describeTables(ctx, db, schema, req.Stream)
	if err != nil {
		return err
	}
	if len(ts) == 0 {
		return sdk.Errorf(sdk.CodeNotFound, "mssql source: table %s does not exist (or is not visible to this login)", streamName(req))
	}
	var cur *sdk.Cursor
	want := req.Columns
	if opts.IncrementalStrategy == "column" {
		if cur, err = sdk.NewCursor(opts.CursorOptions, req, ts[0].PrimaryKey); err != nil {
			return sdk.Errorf(sdk.CodeOf(err), "mssql source: %w", err)
		}
		if len(want) > 0 {
			for _, n := range cur.Columns() {
				if !slices.Contains(want, n) {
					want = append(want, n)
				}
			}
		}
	}
	fields, err := projectFields(ts[0].Columns, want)
	if err != nil {
		return err
	}
	q, err := selectSQL(schema, req.Stream, fields)
	if err != nil {
		return err
	}
	if pwhere != "" {
		q = strings.TrimSuffix(q, ";") + pwhere + ";"
	}
	w := out
	var cw *sdk.CursorWriter
	if cur != nil {
		ci := slices.IndexFunc(fields, func(f arrow.Field) bool { return f.Name == cur.Column })
		if ci < 0 {
			return sdk.Errorf(sdk.CodeConfig, "mssql source: incremental_column %q is not a readable column of %s", cur.Column, streamName(req))
		}
		native, _ := fields[ci].Metadata.GetValue(sdk.MetaNative)
		if cur.FailOnNulls() {
			var n int
			if err := db.QueryRowContext(ctx, nullCursorSQL(schema, req.Stream, cur.Column)).Scan(&n); err != nil {
				return classify(fmt.Errorf("read %s: check NULL cursors: %w", streamName(req), err))
			}
			if n > 0 {
				return sdk.Errorf(sdk.CodeData, "mssql source: %w", cur.NullsError(streamName(req)))
			}
		}
		where, order, err := cursorClauses(cur, native)
		if err != nil {
			return err
		}
		q = strings.TrimSuffix(q, ";") + where + order + ";"
		cw = cur.Writer(out, ci)
		w = cw
	}
	s := arrow.NewSchema(fields, nil)
	if err := out.Schema(s); err != nil {
		return err
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return classify(fmt.Errorf("read %s: %w", streamName(req), err))
	}
	defer rows.Close()
	bb := sdk.NewBatchBuilder(nil, s, w)
	defer bb.Release()
	vals := make([]any, len(fields))
	ptrs := make([]any, len(fields))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return classify(fmt.Errorf("read %s: %w", streamName(req), err))
		}
		for i, f := range fields {
			if err := appendValue(f, bb.Field(i), vals[i]); err != nil {
				return err
			}
		}
		if err := bb.RowDone(); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return classify(fmt.Errorf("read %s: %w", streamName(req), err))
	}
	if err := bb.Flush(); err != nil {
		return err
	}
	if cw != nil {
		return cw.Finish()
	}
	return nil
}

// nullCursorSQL counts NULL cursors (null_policy fail), stopping at one.
func nullCursorSQL(schema, table, column string) string {
	from, _ := qualified(schema, table)
	return "SELECT COUNT(*) FROM (SELECT TOP (1) 1 AS x FROM " + from + " WHERE " + ident(column) + " IS NULL) AS n;"
}

// projectFields maps the requested columns (all readable ones when none)
// to Arrow fields; a requested column that is missing or unreadable is an
// error naming it.
func projectFields(cols []column, want []string) ([]arrow.Field, error) {
	var fields []arrow.Field
	for _, c := range cols {
		if len(want) > 0 && !slices.Contains(want, c.Name) {
			continue
		}
		f, err := c.arrowField()
		if err != nil {
			if len(want) > 0 {
				return nil, err
			}
			continue
		}
		fields = append(fields, f)
	}
	for _, w := range want {
		if !slices.ContainsFunc(fields, func(f arrow.Field) bool { return f.Name == w }) {
			return nil, sdk.Errorf(sdk.CodeSchema, "mssql source: column %q does not exist", w)
		}
	}
	return fields, nil
}

// selectSQL renders the full read. xml is selected as nvarchar(max) so it
// arrives as text; everything else as stored.
func selectSQL(schema, table string, fields []arrow.Field) (string, error) {
	from, err := qualified(schema, table)
	if err != nil {
		return "", err
	}
	sel := make([]string, len(fields))
	for i, f := range fields {
		sel[i] = ident(f.Name)
		switch n, _ := f.Metadata.GetValue(sdk.MetaNative); n {
		case "xml":
			sel[i] = "CAST(" + ident(f.Name) + " AS nvarchar(max)) AS " + ident(f.Name)
		case "rowversion":
			sel[i] = "CAST(" + ident(f.Name) + " AS bigint) AS " + ident(f.Name)
		}
	}
	return "SELECT " + strings.Join(sel, ", ") + " FROM " + from + ";", nil
}

func streamName(req sdk.ReadRequest) string {
	if req.Namespace != "" {
		return req.Namespace + "." + req.Stream
	}
	return req.Stream
}
