//go:build !duckdb_arrow

package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"

	ddb "github.com/duckdb/duckdb-go/v2"

	"github.com/dpone-go/dpone/sdk"
)

// ingestPath names the staging ingest path this binary was built with.
const ingestPath = "appender"

// swapStaging reports whether full_refresh loads stage in the target's
// shape to commit by swap: the Appender path stages the classic way (it cannot append text to
// UUID columns).
const swapStaging = false

// stage appends every record of rr to schema.table through DuckDB's
// Appender, which fills DuckDB data chunks directly (no SQL per row).
// Record columns are matched to names, the staging columns, by name.
func (d *database) stage(ctx context.Context, schema, table string, names []string, rr sdk.RecordReader) (int64, error) {
	var rows int64
	err := d.conn(ctx, func(cn *sql.Conn) error {
		return cn.Raw(func(dc any) error {
			a, err := ddb.NewAppender(dc.(driver.Conn), "", schema, table)
			if err != nil {
				return classify(fmt.Errorf("staging %s.%s: %w", schema, table, err))
			}
			n, err := appendAll(ctx, a, names, rr)
			rows = n
			if cerr := a.Close(); cerr != nil && err == nil {
				err = classify(fmt.Errorf("flush staging %s.%s: %w", schema, table, cerr))
			}
			return err
		})
	})
	return rows, err
}

func appendAll(ctx context.Context, a *ddb.Appender, names []string, rr sdk.RecordReader) (int64, error) {
	var rows int64
	for {
		rec, err := rr.Next()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		if err := ctx.Err(); err != nil {
			return rows, err
		}
		cols, err := columnsByName(rec, names)
		if err != nil {
			return rows, err
		}
		getters := make([]getter, len(cols))
		for j, col := range cols {
			if getters[j], err = getterFor(col); err != nil {
				return rows, sdk.Errorf(sdk.CodeSchema, "column %q: %w", names[j], err)
			}
		}
		vals := make([]driver.Value, len(getters))
		n := int(rec.NumRows())
		for i := 0; i < n; i++ {
			for j, g := range getters {
				vals[j] = g(i)
			}
			if err := a.AppendRow(vals...); err != nil {
				return rows, sdk.Errorf(sdk.CodeData, "append row: %w", err)
			}
		}
		rows += int64(n)
	}
}
