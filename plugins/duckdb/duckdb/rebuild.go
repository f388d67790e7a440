package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/dpone-go/dpone/sdk"
)

// An incremental_merge or snapshot_diff that stages a large share of the
// target's rows commits by rebuild: it creates a new table of the target's
// shape, fills it in streaming statements (for a merge the target rows
// whose key is not staged, then the last staged row of each key) and puts
// it in the target's place with the full_refresh swap's replaceTarget, in
// the commit transaction that also writes the receipt and fence. DuckDB
// keeps a transaction's deletes in memory outside memory_limit (5M deleted
// rows did not fit the 128MB default); inserts into a table created in the
// same transaction go to the file and temp_directory instead.
//
// rebuildShare is the share of the target's rows that staging must reach
// for a rebuild: below it DELETE + INSERT touches few rows and copies
// nothing, above it the rebuild copies the target once but holds no
// per-row state.
const rebuildShare = 0.2

// rebuildPlan is what a rebuild needs from the catalog.
type rebuildPlan struct {
	cols   []tableColumn
	pk     []string
	staged int64 // staging rows, duplicates included
	target int64 // target rows before the merge
}

// planRebuild decides whether the merge or snapshot_diff commits by rebuild: staging holds
// at least rebuildShare of the target's rows, and the target could be
// swapped (swapBlocker) and has every load column. A large merge that
// cannot be rebuilt says why in the log and falls back to DELETE + INSERT.
func (l *load) planRebuild(ctx context.Context, tx *sql.Tx) (p rebuildPlan, ok bool, err error) {
	target := qualified(l.schema, l.req.Target.Name)
	if err := tx.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM "+qualified(l.schema, l.staging)+"), (SELECT count(*) FROM "+target+")").
		Scan(&p.staged, &p.target); err != nil {
		return p, false, classify(fmt.Errorf("count staging and %s.%s: %w", l.schema, l.req.Target.Name, err))
	}
	if p.target == 0 || float64(p.staged) < rebuildShare*float64(p.target) {
		return p, false, nil
	}
	fallBack := func(why string) (rebuildPlan, bool, error) {
		logInfo(l.req.Mode+" falls back to DELETE + INSERT: "+why+"; a transaction's deletes are held in memory, raise memory_limit if it runs out",
			"target", l.schema+"."+l.req.Target.Name, "staged_rows", fmt.Sprint(p.staged), "target_rows", fmt.Sprint(p.target))
		return p, false, nil
	}
	if p.cols, err = tableColumns(ctx, tx, l.schema, l.req.Target.Name); err != nil {
		return p, false, err
	}
	why, err := swapBlocker(ctx, tx, l.schema, l.req.Target.Name, p.cols)
	if err != nil {
		return p, false, err
	}
	if why != "" {
		return fallBack("the target cannot be rebuilt: " + why)
	}
	for _, f := range l.req.Schema.Fields() {
		if p.column(f.Name) < 0 {
			return fallBack("the target has no column " + f.Name)
		}
	}
	if p.pk, err = primaryKey(ctx, tx, l.schema, l.req.Target.Name); err != nil {
		return p, false, err
	}
	return p, true, nil
}

// column is the index of the target column name (case-insensitive), or -1.
func (p rebuildPlan) column(name string) int {
	return slices.IndexFunc(p.cols, func(c tableColumn) bool { return strings.EqualFold(c.name, name) })
}

// latestStaged renders the last staged row of each unique key as a
// subquery: a grouped max(rowid), which spills, where a window over
// staging needs memory for all of it.
func (l *load) latestStaged() string {
	staging := qualified(l.schema, l.staging)
	return fmt.Sprintf("(SELECT * FROM %s WHERE rowid IN (SELECT max(rowid) FROM %s GROUP BY %s))",
		staging, staging, columnList(l.req.UniqueKey, ""))
}

// createRebuilt creates the table a rebuild fills with the target's
// column types (CREATE TABLE AS, so that every type the catalog holds is
// copied exactly) and returns its name and the statement runner of the
// rebuild. publishRebuilt adds the NOT NULL constraints and puts it in
// the target's place.
func (l *load) createRebuilt(ctx context.Context, tx *sql.Tx) (string, modeExec, error) {
	next := l.staging + "_rebuilt"
	exec := func(what, q string, args ...any) (int64, error) {
		r, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return 0, classify(fmt.Errorf("%s %s.%s: %s: %w", l.req.Mode, l.schema, l.req.Target.Name, what, err))
		}
		n, _ := r.RowsAffected()
		return n, nil
	}
	// preserve_insertion_order stays on: DuckDB 1.5 has it only as a
	// GLOBAL setting, and a concurrent Write of another load relies on it
	// (the last staged row of a key wins by rowid). Spilling needs only
	// temp_directory, which defaults to <path>.tmp beside the file.
	_, err := exec("create the rebuilt table", "CREATE TABLE "+qualified(l.schema, next)+" AS SELECT * FROM "+qualified(l.schema, l.req.Target.Name)+" LIMIT 0")
	return next, exec, err
}

// publishRebuilt sets NOT NULL on the rebuilt table's columns that have it
// in the target (the primary key's come with ADD PRIMARY KEY) and replaces
// the target with it.
func (l *load) publishRebuilt(ctx context.Context, tx *sql.Tx, exec modeExec, next string, p rebuildPlan) error {
	for _, c := range p.cols {
		if c.nullable || slices.ContainsFunc(p.pk, func(k string) bool { return strings.EqualFold(k, c.name) }) {
			continue
		}
		if _, err := exec("set NOT NULL on "+c.name, "ALTER TABLE "+qualified(l.schema, next)+" ALTER COLUMN "+quote(c.name)+" SET NOT NULL"); err != nil {
			return err
		}
	}
	return l.replaceTarget(ctx, tx, next, true, false, p.pk)
}

// rebuildMerge commits the merge by rebuild (planRebuild said it can): it
// fills a new table with the untouched target rows and the latest staged
// rows, then replaces the target with it. rows is the staged count.
func (l *load) rebuildMerge(ctx context.Context, tx *sql.Tx, p rebuildPlan) (res sdk.CommitResult, rows int64, err error) {
	next, exec, err := l.createRebuilt(ctx, tx)
	if err != nil {
		return res, 0, err
	}
	// A key is staged when any staged row has it: the anti-join needs no
	// deduplication (which would hold a second hash table).
	keep := fmt.Sprintf("INSERT INTO %s SELECT * FROM %s AS t WHERE NOT EXISTS (SELECT 1 FROM %s AS s WHERE %s)",
		qualified(l.schema, next), qualified(l.schema, l.req.Target.Name), qualified(l.schema, l.staging), keyMatch("t", "s", l.req.UniqueKey))
	kept, err := exec("copy the rows it keeps", keep)
	if err != nil {
		return res, 0, err
	}
	cols, sel, args, err := l.selectList()
	if err != nil {
		return res, 0, err
	}
	ins := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s", qualified(l.schema, next), cols, sel, l.latestStaged())
	n, err := exec("insert the staged rows", ins, args...)
	if err != nil {
		return res, 0, err
	}
	if err := l.publishRebuilt(ctx, tx, exec, next, p); err != nil {
		return res, 0, err
	}
	res.RowsUpdated = p.target - kept
	res.RowsInserted = n - res.RowsUpdated
	return res, p.staged, nil
}

// rebuildSnapshotDiff commits snapshot_diff by rebuild: after the
// max_delete_ratio check, a new table gets the target rows missing from
// the snapshot (soft deletes only, marked deleted), the target rows the
// snapshot leaves unchanged, and the staged rows that are new or changed;
// it then replaces the target. rows is the staged count.
func (l *load) rebuildSnapshotDiff(ctx context.Context, tx *sql.Tx, p rebuildPlan) (res sdk.CommitResult, rows int64, err error) {
	keys := l.req.UniqueKey
	target := qualified(l.schema, l.req.Target.Name)
	gone, missing, _, err := l.snapshotDeletes(ctx, tx)
	if err != nil {
		return res, 0, err
	}
	next, exec, err := l.createRebuilt(ctx, tx)
	if err != nil {
		return res, 0, err
	}
	into := qualified(l.schema, next)
	// The last staged row of each key, materialized once: the joins below
	// compare values with it, and a join over the deduplicating subquery
	// held more memory than the 48MB of TestSnapshotDiffRewriteWithinLowMemoryLimit.
	latest, err := l.stagedRelation(keys)
	if err != nil {
		return res, 0, err
	}
	staged := qualified(l.schema, l.staging+"_latest")
	if _, err := exec("deduplicate the snapshot", "CREATE TABLE "+staged+" AS SELECT * FROM "+latest); err != nil {
		return res, 0, err
	}
	missingAll := gone
	if l.softDeletes() {
		at := any(l.loadedAt)
		if !l.lineageOn() {
			at = nil
		}
		sel := make([]string, len(p.cols))
		for i, c := range p.cols {
			sel[i] = "t." + quote(c.name)
			if strings.EqualFold(c.name, sdk.DeletedAtColumn) {
				sel[i] = "coalesce(t." + quote(c.name) + ", ?::TIMESTAMPTZ, now())"
			}
		}
		q := fmt.Sprintf("INSERT INTO %s SELECT %s FROM %s AS t WHERE %s", into, strings.Join(sel, ", "), target, missing)
		if missingAll, err = exec("keep the soft-deleted rows", q, at); err != nil {
			return res, 0, err
		}
	}
	same := "true"
	if changed := l.snapshotChanged(); changed != "" {
		same = "NOT " + changed
	}
	q := fmt.Sprintf("INSERT INTO %s SELECT t.* FROM %s AS t WHERE EXISTS (SELECT 1 FROM %s AS s WHERE %s AND %s)",
		into, target, staged, keyMatch("t", "s", keys), same)
	unchanged, err := exec("keep the unchanged rows", q)
	if err != nil {
		return res, 0, err
	}
	names := fieldNames(l.req.Schema)
	cols, vals := columnList(names, ""), columnList(names, "s.")
	var args []any
	if l.lineageOn() {
		cols += ", " + columnList([]string{l.opts.Lineage.RunIDColumn, l.opts.Lineage.LoadedAtColumn}, "")
		vals += ", ?::VARCHAR, ?::TIMESTAMPTZ"
		args = append(args, l.opts.Lineage.RunID, l.loadedAt)
	}
	q = fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s AS s WHERE NOT EXISTS (SELECT 1 FROM %s AS t WHERE %s AND %s)",
		into, cols, vals, staged, target, keyMatch("t", "s", keys), same)
	n, err := exec("insert the new and changed rows", q, args...)
	if err != nil {
		return res, 0, err
	}
	if _, err := exec("drop the deduplicated snapshot", "DROP TABLE "+staged); err != nil {
		return res, 0, err
	}
	if err := l.publishRebuilt(ctx, tx, exec, next, p); err != nil {
		return res, 0, err
	}
	res.RowsDeleted = gone
	res.RowsUpdated = p.target - missingAll - unchanged
	res.RowsInserted = n - res.RowsUpdated
	return res, p.staged, nil
}

// checkpoint writes the file's WAL into the database before a merge or
// snapshot_diff commit, best effort: until a checkpoint, the target's
// primary key index (about 9MB per million keys) and recently committed
// rows stay pinned in memory and leave the commit's joins and aggregates
// too little of memory_limit to work in. It fails while another
// transaction runs (a Write of another load); the commit then goes ahead
// without it.
func (l *load) checkpoint(ctx context.Context) {
	if _, err := l.db.db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		logInfo("checkpoint before commit skipped: "+err.Error(), "target", l.schema+"."+l.req.Target.Name)
	}
}
