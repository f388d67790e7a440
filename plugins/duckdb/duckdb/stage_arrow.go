//go:build duckdb_arrow

// duckdb-go compiles its Arrow interface only with the duckdb_arrow build
// tag; this connector stages through it and has no other path (see
// requiretag.go).

package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	ddb "github.com/duckdb/duckdb-go/v2"

	"github.com/dpone-go/dpone/sdk"
)

var viewSeq atomic.Int64

// stage inserts rr into schema.table in one transaction: rr's records are
// gathered into chunks of about stageChunkBytes (chunks.go), and each chunk
// is registered as an Arrow stream view and inserted with one INSERT ...
// SELECT (DuckDB scans the Arrow buffers), while the next chunk arrives.
// Record columns are matched to names, the staging columns, by name.
func (d *database) stage(ctx context.Context, schema, table string, names []string, rr sdk.RecordReader) (int64, error) {
	chunks := newChunker(rr, stageChunkBytes)
	defer chunks.Close()
	var rows int64
	err := d.conn(ctx, func(cn *sql.Conn) error {
		return cn.Raw(func(dc any) error {
			a, err := ddb.NewArrowFromConn(dc.(driver.Conn))
			if err != nil {
				return sdk.Errorf(sdk.CodeInternal, "duckdb arrow: %w", err)
			}
			exec := dc.(driver.ExecerContext)
			if _, err := exec.ExecContext(ctx, "BEGIN TRANSACTION", nil); err != nil {
				return classify(fmt.Errorf("insert into staging %s.%s: begin: %w", schema, table, err))
			}
			done := false
			defer func() {
				if !done {
					_, _ = exec.ExecContext(context.WithoutCancel(ctx), "ROLLBACK", nil)
				}
			}()
			ins := inserter{a: a, exec: exec, schema: schema, table: table, names: names, rs: rr.Schema()}
			for c := range chunks.C {
				n, err := ins.insert(ctx, c)
				c.release()
				if err != nil {
					return err
				}
				rows += n
			}
			if err := chunks.Err(); err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if _, err := exec.ExecContext(ctx, "COMMIT", nil); err != nil {
				return classify(fmt.Errorf("insert into staging %s.%s: commit: %w", schema, table, err))
			}
			done = true
			return nil
		})
	})
	return rows, err
}

// inserter inserts chunks into one staging table over one connection.
type inserter struct {
	a             *ddb.Arrow
	exec          driver.ExecerContext
	schema, table string
	names         []string
	rs            *arrow.Schema
}

// insert registers c as an Arrow stream view and inserts it.
func (in inserter) insert(ctx context.Context, c *chunk) (int64, error) {
	view := fmt.Sprintf("_dpone_arrow_%d", viewSeq.Add(1))
	release, err := in.a.RegisterView(&chunkReader{schema: in.rs, recs: c.recs, refs: 1}, view)
	if err != nil {
		return 0, classify(fmt.Errorf("register arrow view: %w", err))
	}
	defer release()
	// The view goes on every path, also when the insert fails or ctx is
	// cancelled (a leftover view names a stream that no longer exists).
	defer func() {
		_, _ = in.exec.ExecContext(context.WithoutCancel(ctx), "DROP VIEW IF EXISTS "+quote(view), nil)
	}()
	sel := make([]string, len(in.names))
	for i, n := range in.names {
		sel[i] = quote(n)
	}
	q := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s", qualified(in.schema, in.table), strings.Join(sel, ", "), strings.Join(sel, ", "), quote(view))
	res, err := in.exec.ExecContext(ctx, q, nil)
	if err != nil {
		return 0, classify(fmt.Errorf("insert into staging %s.%s: %w", in.schema, in.table, err))
	}
	n, _ := res.RowsAffected()
	return n, nil
}
