package duckdb

import (
	"context"
	"database/sql"
	"fmt"
)

// dropStaleArrowViews drops the _dpone_arrow_N views a plugin that crashed
// mid-Write left in the file. It runs when this process opens the file,
// before any Write of its own: DuckDB lets one process write a file, so
// no such view is in use then.
func dropStaleArrowViews(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `SELECT schema_name, view_name FROM duckdb_views()
		WHERE database_name = current_database() AND NOT temporary AND view_name LIKE '\_dpone\_arrow\_%' ESCAPE '\'`)
	if err != nil {
		return err
	}
	var views [][2]string
	for rows.Next() {
		var v [2]string
		if err := rows.Scan(&v[0], &v[1]); err != nil {
			rows.Close()
			return err
		}
		views = append(views, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, v := range views {
		if _, err := db.ExecContext(ctx, "DROP VIEW IF EXISTS "+qualified(v[0], v[1])); err != nil {
			return fmt.Errorf("drop leftover view %s.%s: %w", v[0], v[1], err)
		}
	}
	return nil
}
