//go:build duckdb_arrow

// duckdb-go compiles its Arrow interface only with the duckdb_arrow build
// tag; this connector stages through it and has no other path (see
// requiretag.go).

package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	ddb "github.com/duckdb/duckdb-go/v2"

	"github.com/dpone-go/dpone/sdk"
)

var viewSeq atomic.Int64

// stage registers rr as an Arrow stream view and inserts it into
// schema.table with one INSERT ... SELECT (DuckDB scans the Arrow buffers).
// Record columns are matched to names, the staging columns, by name.
func (d *database) stage(ctx context.Context, schema, table string, names []string, rr sdk.RecordReader) (int64, error) {
	var rows int64
	err := d.conn(ctx, func(cn *sql.Conn) error {
		return cn.Raw(func(dc any) error {
			a, err := ddb.NewArrowFromConn(dc.(driver.Conn))
			if err != nil {
				return sdk.Errorf(sdk.CodeInternal, "duckdb arrow: %w", err)
			}
			src := &readerAdapter{in: rr, refs: 1}
			view := fmt.Sprintf("_dpone_arrow_%d", viewSeq.Add(1))
			release, err := a.RegisterView(src, view)
			if err != nil {
				return classify(fmt.Errorf("register arrow view: %w", err))
			}
			defer release()
			// The view goes on every path, also when the insert or its
			// input fails or ctx is cancelled (a leftover view names a
			// stream that no longer exists).
			defer func() {
				_, _ = dc.(driver.ExecerContext).ExecContext(context.WithoutCancel(ctx), "DROP VIEW IF EXISTS "+quote(view), nil)
			}()
			sel := make([]string, len(names))
			for i, n := range names {
				sel[i] = quote(n)
			}
			q := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s", qualified(schema, table), strings.Join(sel, ", "), strings.Join(sel, ", "), quote(view))
			res, err := dc.(driver.ExecerContext).ExecContext(ctx, q, nil)
			if src.err != nil {
				return src.err
			}
			if err != nil {
				return classify(fmt.Errorf("insert into staging %s.%s: %w", schema, table, err))
			}
			rows, _ = res.RowsAffected()
			return nil
		})
	})
	return rows, err
}

// readerAdapter is an array.RecordReader over an sdk.RecordReader.
type readerAdapter struct {
	in   sdk.RecordReader
	cur  arrow.RecordBatch
	err  error
	refs int64
}

func (r *readerAdapter) Retain()                        { atomic.AddInt64(&r.refs, 1) }
func (r *readerAdapter) Release()                       { atomic.AddInt64(&r.refs, -1) }
func (r *readerAdapter) Schema() *arrow.Schema          { return r.in.Schema() }
func (r *readerAdapter) RecordBatch() arrow.RecordBatch { return r.cur }
func (r *readerAdapter) Record() arrow.RecordBatch      { return r.cur }
func (r *readerAdapter) Err() error                     { return r.err }

func (r *readerAdapter) Next() bool {
	rec, err := r.in.Next()
	if err != nil {
		if !errors.Is(err, io.EOF) {
			r.err = err
		}
		r.cur = nil
		return false
	}
	r.cur = rec
	return true
}
