package clickhouse

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// column is one column a Read selects.
type column struct {
	name   string
	native string
	st     sourceType
	field  arrow.Field
}

// tableColumns maps a table's columns, with dpone.primary_key on the key.
func tableColumns(t *tableInfo) ([]column, error) {
	key := t.key()
	cols := make([]column, 0, len(t.columns))
	for _, c := range t.columns {
		if t.versioned && c.name == versionColumn {
			continue // the sink's own, not the table's data
		}
		st, err := parseNative(c.typ)
		if err != nil {
			return nil, sdk.Errorf(sdk.CodeSchema, "column %q: %w", c.name, err)
		}
		if c.comment == jsonComment && st.dt.ID() == arrow.STRING {
			st.meta[sdk.MetaLogical] = sdk.LogicalJSON
		}
		f := st.field(c.name)
		if i := slices.Index(key, c.name); i >= 0 {
			f.Metadata = arrow.NewMetadata(append(f.Metadata.Keys(), metaPrimaryKey), append(f.Metadata.Values(), strconv.Itoa(i+1)))
		}
		cols = append(cols, column{name: c.name, native: c.typ, st: st, field: f})
	}
	return cols, nil
}

func streamName(req sdk.ReadRequest) string {
	if req.Namespace != "" {
		return req.Namespace + "." + req.Stream
	}
	return req.Stream
}

// relation is the FROM clause of a Read and its columns.
func (s *server) relation(ctx context.Context, req sdk.ReadRequest, opts sourceOptions) (string, []column, error) {
	if opts.Query != "" {
		from := "(" + opts.Query + ") AS _dpone_q"
		cols, err := s.queryColumns(ctx, opts.Query)
		return from, cols, err
	}
	if req.Stream == "" {
		return "", nil, sdk.Errorf(sdk.CodeConfig, "read: no stream (table) and no options.query")
	}
	db := req.Namespace
	if db == "" {
		db = s.database
	}
	t, err := s.table(ctx, db, req.Stream)
	if err != nil {
		return "", nil, err
	}
	if t == nil {
		return "", nil, sdk.Errorf(sdk.CodeNotFound, "read: table %s.%s does not exist", db, req.Stream)
	}
	cols, err := tableColumns(t)
	if err != nil {
		return "", nil, err
	}
	from := qualified(db, req.Stream)
	final := strings.Contains(t.engine, "ReplacingMergeTree") || strings.Contains(t.engine, "CollapsingMergeTree")
	if opts.Final != nil {
		final = *opts.Final
	}
	if final {
		from += " FINAL"
	}
	return from, cols, nil
}

// queryColumns describes the columns of a query from the header block
// of the query run with LIMIT 0.
func (s *server) queryColumns(ctx context.Context, q string) ([]column, error) {
	rows, err := s.conn.Query(detach(ctx), "SELECT * FROM ("+q+") LIMIT 0")
	if err != nil {
		return nil, classify(fmt.Errorf("describe query: %w", err))
	}
	defer rows.Close()
	var cols []column
	for _, ct := range rows.ColumnTypes() {
		name, typ := ct.Name(), ct.DatabaseTypeName()
		st, err := parseNative(typ)
		if err != nil {
			return nil, sdk.Errorf(sdk.CodeSchema, "query column %q: %w", name, err)
		}
		cols = append(cols, column{name: name, native: typ, st: st, field: st.field(name)})
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
	for _, n := range append(slices.Clone(names), need...) {
		if indexOf(out, n) >= 0 {
			continue
		}
		i := indexOf(all, n)
		if i < 0 {
			return nil, sdk.Errorf(sdk.CodeSchema, "read: column %q does not exist", n)
		}
		out = append(out, all[i])
	}
	return out, nil
}

func indexOf(cols []column, name string) int {
	for i, c := range cols {
		if c.name == name {
			return i
		}
	}
	return -1
}

// Read reads a table (Namespace + Stream) or options.query, converting the
// driver's rows into Arrow batches of about out.BatchBytes(). With
// incremental_strategy column, rows come in (cursor, key) order and the
// SDK's cursor writer drops the rows the checkpoint already holds.
func (c *Connector) Read(ctx context.Context, req sdk.ReadRequest, out sdk.RecordWriter) error {
	opts, err := decodeSourceOptions(req.Options)
	if err != nil {
		return err
	}
	if req.Mode == sdk.ReadIncremental && opts.IncrementalStrategy == "" {
		return sdk.Errorf(sdk.CodeConfig, "incremental read of %s needs options incremental_strategy: column and incremental_column", req.Stream)
	}
	s, err := c.open(ctx, req.Config)
	if err != nil {
		return err
	}
	from, all, err := s.relation(ctx, req, opts)
	if err != nil {
		return err
	}
	var cur *cursor
	var need []string
	if opts.IncrementalStrategy == "column" {
		if cur, err = newCursor(opts, all, req); err != nil {
			return err
		}
		if cur.FailOnNulls() {
			if err := cur.failOnNulls(ctx, s, from, streamName(req)); err != nil {
				return err
			}
		}
		need = cur.Columns()
	}
	cols, err := project(all, req.Columns, need)
	if err != nil {
		return err
	}
	sel := make([]string, len(cols))
	fields := make([]arrow.Field, len(cols))
	for i, col := range cols {
		sel[i] = fmt.Sprintf(col.st.expr, quote(col.name)) + " AS " + quote(col.name)
		fields[i] = col.field
	}
	q := "SELECT " + strings.Join(sel, ", ") + " FROM " + from
	var conds []string
	var args []any
	pw, err := partitionWhere(req.Partition, all)
	if err != nil {
		return err
	}
	if pw != "" {
		conds = append(conds, pw)
	}
	if cur != nil {
		where, wargs := cur.where()
		if where != "" {
			conds = append(conds, where)
		}
		args = wargs
	}
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	if cur != nil {
		q += " ORDER BY " + cur.orderBy()
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
	// Native blocks when the query has no bound arguments (every query
	// Read renders: a cursor's checkpoint value is a quoted literal);
	// scanBlocksOrRows scans rows when ch-go cannot decode a column.
	read := s.scan
	if len(args) == 0 {
		read = func(ctx context.Context, q string, _ []any, schema *arrow.Schema, w sdk.RecordWriter, stream string) error {
			return s.scanBlocksOrRows(ctx, q, schema, w, stream)
		}
	}
	if err := read(ctx, q, args, schema, w, streamName(req)); err != nil {
		return err
	}
	if cw != nil {
		return cw.Finish()
	}
	return nil
}
