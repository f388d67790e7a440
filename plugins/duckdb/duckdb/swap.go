package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/dpone-go/dpone/sdk"
)

// A full_refresh commits by swap when it can: BeginLoad stages into a
// table shaped like the target will be (the target's column types, or the
// load's mapped types when the target is absent, and the lineage columns
// as constant DEFAULTs that ingestion fills), and CommitLoad drops the
// target and renames staging in its place, in one transaction. DuckDB's
// DELETE + INSERT of the whole table keeps per-row bookkeeping outside
// memory_limit; the swap keeps none and copies nothing.
//
// The swap needs the staging shape to equal the target's exactly at
// commit, and a target whose only constraints are NOT NULL and a primary
// key (recreated with ALTER TABLE ADD PRIMARY KEY), with no column
// defaults, no indexes and no foreign key pointing at it. Otherwise the
// commit falls back to DELETE + INSERT.

// tableColumn is one catalog column.
type tableColumn struct {
	name, typ string
	nullable  bool
	// hasDefault is true when the column has a DEFAULT expression.
	hasDefault bool
}

// def renders c as "name TYPE [NOT NULL]".
func (c tableColumn) def() string {
	d := quote(c.name) + " " + c.typ
	if !c.nullable {
		d += " NOT NULL"
	}
	return d
}

// tableColumns reads the columns of schema.table in order (none when the
// table is absent).
func tableColumns(ctx context.Context, q queryer, schema, table string) ([]tableColumn, error) {
	rows, err := q.QueryContext(ctx, `SELECT column_name, data_type, is_nullable, column_default IS NOT NULL
		FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = ? AND table_name = ?
		ORDER BY column_index`, schema, table)
	if err != nil {
		return nil, classify(fmt.Errorf("columns of %s.%s: %w", schema, table, err))
	}
	defer rows.Close()
	var cols []tableColumn
	for rows.Next() {
		var c tableColumn
		if err := rows.Scan(&c.name, &c.typ, &c.nullable, &c.hasDefault); err != nil {
			return nil, classify(fmt.Errorf("columns of %s.%s: %w", schema, table, err))
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("columns of %s.%s: %w", schema, table, err))
	}
	return cols, nil
}

// swapBlocker names what keeps an existing target from being swapped ("" =
// nothing): column defaults, constraints other than NOT NULL and the
// primary key, indexes, or foreign keys of other tables referencing it.
func swapBlocker(ctx context.Context, q queryer, schema, table string, cols []tableColumn) (string, error) {
	for _, c := range cols {
		if c.hasDefault {
			return "column " + c.name + " has a default", nil
		}
	}
	var other, refs, indexes int
	err := q.QueryRowContext(ctx, `SELECT
		count(*) FILTER (WHERE table_name = ? AND constraint_type NOT IN ('NOT NULL', 'PRIMARY KEY')),
		count(*) FILTER (WHERE referenced_table = ? AND table_name <> ?)
		FROM duckdb_constraints() WHERE database_name = current_database() AND schema_name = ?`,
		table, table, table, schema).Scan(&other, &refs)
	if err != nil {
		return "", classify(fmt.Errorf("constraints of %s.%s: %w", schema, table, err))
	}
	err = q.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_indexes()
		WHERE database_name = current_database() AND schema_name = ? AND table_name = ?`, schema, table).Scan(&indexes)
	if err != nil {
		return "", classify(fmt.Errorf("indexes of %s.%s: %w", schema, table, err))
	}
	switch {
	case other > 0:
		return "it has unique or check constraints", nil
	case refs > 0:
		return "foreign keys reference it", nil
	case indexes > 0:
		return "it has indexes", nil
	}
	return "", nil
}

// lineageColumns are the lineage columns a target gets, in order (none
// when lineage is off).
func (l *load) lineageColumns() []tableColumn {
	if !l.lineageOn() {
		return nil
	}
	return []tableColumn{
		{name: l.opts.Lineage.RunIDColumn, typ: "VARCHAR", nullable: true},
		// The catalog's spelling of TIMESTAMPTZ, as canSwap compares it.
		{name: l.opts.Lineage.LoadedAtColumn, typ: "TIMESTAMP WITH TIME ZONE", nullable: true},
	}
}

// swapShape is the column list the target will have after this
// full_refresh: the existing target's columns plus missing lineage
// columns, or (absent is true) the load's mapped columns plus lineage.
// ok is false when the target cannot be swapped or the load has columns
// the target lacks (the commit then falls back).
func (l *load) swapShape(ctx context.Context, q queryer) (cols []tableColumn, absent, ok bool, err error) {
	target, err := tableColumns(ctx, q, l.schema, l.req.Target.Name)
	if err != nil {
		return nil, false, false, err
	}
	if len(target) == 0 {
		m := typeMapper{jsonType: l.db.jsonType}
		for _, f := range l.req.Schema.Fields() {
			t, err := m.columnType(f)
			if err != nil {
				return nil, false, false, err
			}
			cols = append(cols, tableColumn{name: f.Name, typ: t, nullable: f.Nullable})
		}
		return append(cols, l.lineageColumns()...), true, true, nil
	}
	if why, err := swapBlocker(ctx, q, l.schema, l.req.Target.Name, target); err != nil || why != "" {
		return nil, false, false, err
	}
	has := func(name string) bool {
		return slices.ContainsFunc(target, func(c tableColumn) bool { return strings.EqualFold(c.name, name) })
	}
	for _, f := range l.req.Schema.Fields() {
		if !has(f.Name) {
			return nil, false, false, nil
		}
	}
	for _, c := range l.lineageColumns() {
		if !has(c.name) {
			target = append(target, c)
		}
	}
	return target, false, true, nil
}

// swapStagingDefs renders the staging columns of a full_refresh that can
// commit by swap: the target's shape with the lineage columns defaulting
// to the load's constants. ok is false when the load must stage the
// classic way.
func (l *load) swapStagingDefs(ctx context.Context, q queryer) (defs []string, ok bool, err error) {
	if l.req.Mode != sdk.ModeFullRefresh {
		return nil, false, nil
	}
	cols, _, ok, err := l.swapShape(ctx, q)
	if err != nil || !ok {
		return nil, false, err
	}
	var runID, loadedAt string
	if lg := l.opts.Lineage; l.lineageOn() {
		runID, loadedAt = lg.RunIDColumn, lg.LoadedAtColumn
	}
	for _, c := range cols {
		d := c.def()
		switch {
		case runID != "" && strings.EqualFold(c.name, runID):
			d += " DEFAULT " + literal(l.opts.Lineage.RunID)
		case loadedAt != "" && strings.EqualFold(c.name, loadedAt):
			d += " DEFAULT CAST(" + literal(l.loadedAt.UTC().Format("2006-01-02 15:04:05.999999")+"+00") + " AS TIMESTAMPTZ)"
		}
		defs = append(defs, d)
	}
	return defs, true, nil
}

// canSwap reports whether staging has exactly the shape of the target
// (which CommitLoad created first when absent, so that both are spelled
// by the catalog) plus missing lineage columns and, with lineage on,
// holds this load's lineage constants in every row; pk is the target's
// primary key to recreate.
func (l *load) canSwap(ctx context.Context, tx *sql.Tx) (pk []string, ok bool, err error) {
	if l.req.Mode != sdk.ModeFullRefresh {
		return nil, false, nil
	}
	want, absent, ok, err := l.swapShape(ctx, tx)
	if err != nil || !ok || absent {
		return nil, false, err
	}
	got, err := tableColumns(ctx, tx, l.schema, l.staging)
	if err != nil {
		return nil, false, err
	}
	if len(got) != len(want) {
		return nil, false, nil
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.name != w.name || g.typ != w.typ || g.nullable != w.nullable {
			return nil, false, nil
		}
	}
	if l.lineageOn() {
		lg := l.opts.Lineage
		var off int64
		q := fmt.Sprintf("SELECT count(*) FROM %s WHERE %s IS DISTINCT FROM ? OR %s IS DISTINCT FROM ?::TIMESTAMPTZ",
			qualified(l.schema, l.staging), quote(lg.RunIDColumn), quote(lg.LoadedAtColumn))
		if err := tx.QueryRowContext(ctx, q, lg.RunID, l.loadedAt).Scan(&off); err != nil {
			return nil, false, classify(fmt.Errorf("check lineage of staging: %w", err))
		}
		if off > 0 {
			return nil, false, nil
		}
	}
	if pk, err = primaryKey(ctx, tx, l.schema, l.req.Target.Name); err != nil {
		return nil, false, err
	}
	return pk, true, nil
}

// swap replaces the target by staging: it drops the target, renames
// staging to the target's name, drops the lineage defaults and recreates
// the primary key. rows is the staged count.
func (l *load) swap(ctx context.Context, tx *sql.Tx, pk []string) (res sdk.CommitResult, rows int64, err error) {
	target := qualified(l.schema, l.req.Target.Name)
	staging := qualified(l.schema, l.staging)
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+staging).Scan(&rows); err != nil {
		return res, 0, classify(fmt.Errorf("count staging: %w", err))
	}
	exists, err := tableExists(ctx, tx, l.schema, l.req.Target.Name)
	if err != nil {
		return res, 0, err
	}
	if exists {
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+target).Scan(&res.RowsDeleted); err != nil {
			return res, 0, classify(fmt.Errorf("count %s.%s: %w", l.schema, l.req.Target.Name, err))
		}
	}
	if err := l.replaceTarget(ctx, tx, l.staging, exists, true, pk); err != nil {
		return res, 0, err
	}
	res.RowsInserted = rows
	return res, rows, nil
}

// replaceTarget puts table from (in the target's schema) in the target's
// place within tx: it drops the target (when exists), renames from to the
// target's name, drops the lineage defaults (lineageDefaults) and
// recreates the primary key pk. The full_refresh swap and the merge
// rebuild (rebuild.go) share it.
func (l *load) replaceTarget(ctx context.Context, tx *sql.Tx, from string, exists, lineageDefaults bool, pk []string) error {
	target := qualified(l.schema, l.req.Target.Name)
	exec := func(what, q string) error {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return classify(fmt.Errorf("%s %s.%s: %s: %w", l.req.Mode, l.schema, l.req.Target.Name, what, err))
		}
		return nil
	}
	if exists {
		if err := exec("drop the old table", "DROP TABLE "+target); err != nil {
			return err
		}
	}
	if err := exec("rename "+from, "ALTER TABLE "+qualified(l.schema, from)+" RENAME TO "+quote(l.req.Target.Name)); err != nil {
		return err
	}
	if lineageDefaults {
		for _, c := range l.lineageColumns() {
			if err := exec("drop lineage default", "ALTER TABLE "+target+" ALTER COLUMN "+quote(c.name)+" DROP DEFAULT"); err != nil {
				return err
			}
		}
	}
	if len(pk) > 0 {
		if err := exec("recreate the primary key", "ALTER TABLE "+target+" ADD PRIMARY KEY ("+columnList(pk, "")+")"); err != nil {
			return err
		}
	}
	return nil
}
