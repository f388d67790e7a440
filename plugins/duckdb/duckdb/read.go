package duckdb

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// Read reads a table (Namespace + Stream) or options.query, in batches of
// about out.BatchBytes(). With incremental_strategy column, rows come in
// (cursor, key) order, an incremental read returns only rows strictly after
// the prior checkpoint, and a checkpoint follows the last row (and, when
// incremental_key makes the order total, every batch).
func (c *Connector) Read(ctx context.Context, req sdk.ReadRequest, out sdk.RecordWriter) error {
	opts, err := decodeSourceOptions(req.Options)
	if err != nil {
		return err
	}
	if req.Mode == sdk.ReadIncremental && opts.IncrementalStrategy == "" {
		return sdk.Errorf(sdk.CodeConfig, "incremental read of %s needs options incremental_strategy: column and incremental_column", req.Stream)
	}
	if req.CursorRange != nil && opts.IncrementalStrategy != "column" {
		return sdk.Errorf(sdk.CodeConfig, "a cursor range of %s needs options incremental_strategy: column and incremental_column", req.Stream)
	}
	d, err := c.openConfig(ctx, req.Config, false)
	if err != nil {
		return err
	}
	from, all, err := relation(ctx, d.db, req, opts)
	if err != nil {
		return err
	}
	var cur *cursor
	var need []string
	if opts.IncrementalStrategy == "column" {
		if cur, err = newCursor(opts, all, req); err != nil {
			return err
		}
		if err := cur.check(ctx, d.db); err != nil {
			return err
		}
		if cur.FailOnNulls() {
			if err := cur.failOnNulls(ctx, d.db, from, streamName(req)); err != nil {
				return err
			}
		}
		need = cur.Columns()
	}
	cols, err := project(all, req.Columns, need)
	if err != nil {
		return err
	}
	q, args := selectQuery(from, cols, cur)
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return classify(fmt.Errorf("read %s: %w", streamName(req), err))
	}
	defer rows.Close()
	fields := make([]arrow.Field, len(cols))
	for i, col := range cols {
		fields[i] = col.field
	}
	schema := arrow.NewSchema(fields, nil)
	if err := out.Schema(schema); err != nil {
		return err
	}
	w := out
	var cw *sdk.CursorWriter
	if cur != nil {
		cw = cur.Writer(out, indexOf(cols, cur.col.name))
		w = cw
	}
	bb := sdk.NewBatchBuilder(nil, schema, w)
	defer bb.Release()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return classify(fmt.Errorf("read %s: %w", streamName(req), err))
		}
		for i := range cols {
			if err := appendValue(bb.Field(i), vals[i]); err != nil {
				return sdk.Errorf(sdk.CodeData, "read %s: column %q: %w", streamName(req), cols[i].name, err)
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

func streamName(req sdk.ReadRequest) string {
	if req.Namespace != "" {
		return req.Namespace + "." + req.Stream
	}
	return req.Stream
}

// relation is the FROM clause of a Read and its columns.
func relation(ctx context.Context, q queryer, req sdk.ReadRequest, opts sourceOptions) (string, []column, error) {
	if opts.Query != "" {
		from := "(" + opts.Query + ") AS _dpone_q"
		cols, err := queryColumns(ctx, q, from)
		return from, cols, err
	}
	if req.Stream == "" {
		return "", nil, sdk.Errorf(sdk.CodeConfig, "read: no stream (table) and no options.query")
	}
	schema := req.Namespace
	if schema == "" {
		schema = "main"
	}
	s, _, ok, err := describe(ctx, q, schema, req.Stream)
	if err != nil {
		return "", nil, err
	}
	if !ok {
		if ns, name, dotted := strings.Cut(req.Stream, "."); dotted && req.Namespace == "" {
			return "", nil, sdk.Errorf(sdk.CodeNotFound, "read: table %s.%s does not exist; to read table %s of schema %s, pass the schema as the namespace (dpone read duckdb %s --namespace %s) and the stream %s",
				schema, quote(req.Stream), name, ns, name, ns, name)
		}
		return "", nil, sdk.Errorf(sdk.CodeNotFound, "read: table %s.%s does not exist", schema, req.Stream)
	}
	cols := make([]column, 0, s.NumFields())
	for _, f := range s.Fields() {
		native, _ := f.Metadata.GetValue(metaNative)
		nt, err := parseNative(native)
		if err != nil {
			return "", nil, sdk.Errorf(sdk.CodeSchema, "column %q: %w", f.Name, err)
		}
		cols = append(cols, column{name: f.Name, native: native, nt: nt, field: f})
	}
	return qualified(schema, req.Stream), cols, nil
}

// queryColumns describes the columns of a query.
func queryColumns(ctx context.Context, q queryer, from string) ([]column, error) {
	rows, err := q.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "+from+")")
	if err != nil {
		return nil, classify(fmt.Errorf("describe query: %w", err))
	}
	defer rows.Close()
	var cols []column
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, classify(fmt.Errorf("describe query: %w", err))
		}
		nt, err := parseNative(typ)
		if err != nil {
			return nil, sdk.Errorf(sdk.CodeSchema, "query column %q: %w", name, err)
		}
		cols = append(cols, column{name: name, native: typ, nt: nt, field: nativeField(name, typ, nt, true)})
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("describe query: %w", err))
	}
	return cols, nil
}

// project keeps the named columns, in that order, then the columns need
// names that are missing (the cursor and keys); no names means all.
func project(all []column, names, need []string) ([]column, error) {
	if len(names) == 0 {
		return all, nil
	}
	out := make([]column, 0, len(names)+len(need))
	for _, n := range append(append([]string(nil), names...), need...) {
		if indexOf(out, n) >= 0 {
			continue
		}
		i := indexOf(all, n)
		if i < 0 {
			return nil, sdk.Errorf(sdk.CodeSchema, "read: column %q does not exist", n)
		}
		out = append(out, all[i])
	}
	return wholeKey(out), nil
}

func indexOf(cols []column, name string) int {
	for i, c := range cols {
		if c.name == name {
			return i
		}
	}
	return -1
}

// selectQuery renders the SELECT of a Read: columns cast to their scan
// types, filtered and ordered by the cursor.
func selectQuery(from string, cols []column, cur *cursor) (string, []any) {
	sel := make([]string, 0, len(cols)+2)
	for _, c := range cols {
		sel = append(sel, fmt.Sprintf("CAST(%s AS %s) AS %s", quote(c.name), c.nt.scan, quote(c.name)))
	}
	q := "SELECT " + strings.Join(sel, ", ")
	if cur == nil {
		return q + " FROM " + from, nil
	}
	q += " FROM " + from
	where, args := cur.where()
	if where != "" {
		q += " WHERE " + where
	}
	return q + " ORDER BY " + cur.orderBy(), args
}
