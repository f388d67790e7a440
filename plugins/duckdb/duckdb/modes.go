package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/dpone-go/dpone/sdk"
)

// sinkModes lists every mode the destination implements.
var sinkModes = []string{sdk.ModeFullRefresh, sdk.ModeAppend, sdk.ModeMerge, sdk.ModeSnapshotDiff, sdk.ModeReplace, sdk.ModePartitionReplace, sdk.ModeSCD2}

// checkPartitionColumns checks partition_by against the load's schema.
func (l *load) checkPartitionColumns() error {
	if l.req.Mode != sdk.ModePartitionReplace || l.req.Schema == nil {
		return nil
	}
	for _, p := range l.strategy.PartitionBy {
		if len(l.req.Schema.FieldIndices(p)) == 0 {
			return sdk.Errorf(sdk.CodeConfig, "partition_by column %q is not in the load's schema", p)
		}
	}
	return nil
}

// softDeletes reports whether the target carries sdk.DeletedAtColumn.
func (l *load) softDeletes() bool { return l.strategy.SoftDeletes() }

// keyMatch renders "a.k1 IS NOT DISTINCT FROM b.k1 AND ..." for cols.
func keyMatch(a, b string, cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = a + "." + quote(c) + " IS NOT DISTINCT FROM " + b + "." + quote(c)
	}
	return strings.Join(parts, " AND ")
}

// stagedRelation is staging cast to the target's types, as a subquery
// named by the load's columns; dedup keeps the last staged row per key
// (a grouped max(rowid), which spills to temp_directory: a window over
// staging needs memory for all of it).
func (l *load) stagedRelation(dedup []string) (string, error) {
	target := typeMapper{jsonType: l.db.jsonType}
	staging := typeMapper{jsonType: l.db.jsonType, staging: true}
	exprs := make([]string, 0, l.req.Schema.NumFields())
	for _, f := range l.req.Schema.Fields() {
		tt, err := target.columnType(f)
		if err != nil {
			return "", err
		}
		st, _ := staging.columnType(f)
		e := quote(f.Name)
		if tt != st {
			e = fmt.Sprintf("CAST(%s AS %s) AS %s", e, tt, quote(f.Name))
		}
		exprs = append(exprs, e)
	}
	q := "SELECT " + strings.Join(exprs, ", ") + " FROM " + qualified(l.schema, l.staging)
	if len(dedup) > 0 {
		q += " WHERE rowid IN (SELECT max(rowid) FROM " + qualified(l.schema, l.staging) + " GROUP BY " + columnList(dedup, "") + ")"
	}
	return "(" + q + ")", nil
}

// modeExec runs one statement of a mode and returns the rows it changed.
type modeExec func(what, q string, args ...any) (int64, error)

// applyReplace checks that every staged row lies in the where slice (else
// a rerun would not replace it: DATA error), deletes the slice, inserts.
func (l *load) applyReplace(ctx context.Context, tx *sql.Tx, exec modeExec, insert string, args []any) (sdk.CommitResult, error) {
	var res sdk.CommitResult
	where := l.strategy.Where
	var outside int64
	q := "SELECT count(*) FROM " + qualified(l.schema, l.staging) + " WHERE NOT coalesce((" + where + "), false)"
	if err := tx.QueryRowContext(ctx, q).Scan(&outside); err != nil {
		return res, sdk.Errorf(sdk.CodeConfig, "strategy.where %q: %w", where, err)
	}
	if outside > 0 {
		return res, sdk.Errorf(sdk.CodeData, "mode replace: %d staged rows fall outside strategy.where %q: a rerun would not replace them; widen the predicate or filter the source", outside, where)
	}
	r, err := tx.ExecContext(ctx, "DELETE FROM "+qualified(l.schema, l.req.Target.Name)+" WHERE "+where)
	if err != nil {
		return res, sdk.Errorf(sdk.CodeConfig, "strategy.where %q: %w", where, err)
	}
	res.RowsDeleted, _ = r.RowsAffected()
	res.RowsInserted, err = exec("insert into", insert, args...)
	return res, err
}

// applyPartitionReplace deletes every target row whose partition values
// appear in staging (NULL matches NULL), then inserts staging.
func (l *load) applyPartitionReplace(exec modeExec, insert string, args []any) (sdk.CommitResult, error) {
	var res sdk.CommitResult
	staged, err := l.stagedRelation(nil)
	if err != nil {
		return res, err
	}
	cols := l.strategy.PartitionBy
	del := fmt.Sprintf("DELETE FROM %s AS t WHERE EXISTS (SELECT 1 FROM (SELECT DISTINCT %s FROM %s) AS p WHERE %s)",
		qualified(l.schema, l.req.Target.Name), columnList(cols, ""), staged, keyMatch("t", "p", cols))
	if res.RowsDeleted, err = exec("replace partitions of", del); err != nil {
		return res, err
	}
	res.RowsInserted, err = exec("insert into", insert, args...)
	return res, err
}

// applySnapshotDiff converges the target to staging: it refuses when the
// deletes exceed max_delete_ratio of the live rows, deletes (or soft
// deletes) keys missing from staging, replaces rows whose values differ
// (or that were soft-deleted) and inserts new keys.
func (l *load) applySnapshotDiff(ctx context.Context, tx *sql.Tx, exec modeExec) (sdk.CommitResult, error) {
	var res sdk.CommitResult
	keys := l.req.UniqueKey
	target := qualified(l.schema, l.req.Target.Name)
	staged, err := l.stagedRelation(keys)
	if err != nil {
		return res, err
	}
	gone, missing, live, err := l.snapshotDeletes(ctx, tx)
	if err != nil {
		return res, err
	}
	if gone > 0 {
		if l.softDeletes() {
			at := any(l.loadedAt)
			if !l.lineageOn() {
				at = nil
			}
			res.RowsDeleted, err = exec("soft delete from", "UPDATE "+target+" AS t SET "+quote(sdk.DeletedAtColumn)+" = coalesce(?::TIMESTAMPTZ, now()) WHERE "+missing+live, at)
		} else {
			res.RowsDeleted, err = exec("delete from", "DELETE FROM "+target+" AS t WHERE "+missing)
		}
		if err != nil {
			return res, err
		}
	}

	names := fieldNames(l.req.Schema)
	if changed := l.snapshotChanged(); changed != "" {
		del := "DELETE FROM " + target + " AS t USING " + staged + " AS s WHERE " + keyMatch("t", "s", keys) +
			" AND " + changed
		if res.RowsUpdated, err = exec("replace changed rows of", del); err != nil {
			return res, err
		}
	}
	cols, vals := columnList(names, ""), columnList(names, "s.")
	var args []any
	if l.lineageOn() {
		cols += ", " + columnList([]string{l.opts.Lineage.RunIDColumn, l.opts.Lineage.LoadedAtColumn}, "")
		vals += ", ?::VARCHAR, ?::TIMESTAMPTZ"
		args = append(args, l.opts.Lineage.RunID, l.loadedAt)
	}
	ins := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s AS s WHERE NOT EXISTS (SELECT 1 FROM %s AS t WHERE %s)",
		target, cols, vals, staged, target, keyMatch("t", "s", keys))
	n, err := exec("insert into", ins, args...)
	if err != nil {
		return res, err
	}
	res.RowsInserted = n - res.RowsUpdated
	return res, nil
}

// snapshotDeletes counts the target rows snapshot_diff deletes (live rows
// whose key is not staged; live is the soft-delete filter, "" or " AND
// ...") and refuses when they exceed max_delete_ratio. missing is the
// predicate on target rows t whose key is not staged.
func (l *load) snapshotDeletes(ctx context.Context, tx *sql.Tx) (gone int64, missing, live string, err error) {
	target := qualified(l.schema, l.req.Target.Name)
	if l.softDeletes() {
		live = " AND t." + quote(sdk.DeletedAtColumn) + " IS NULL"
	}
	// A key is in the snapshot when any staged row has it.
	missing = "NOT EXISTS (SELECT 1 FROM " + qualified(l.schema, l.staging) + " AS s WHERE " + keyMatch("t", "s", l.req.UniqueKey) + ")"
	var total int64
	q := "SELECT count(*), count(*) FILTER (WHERE " + missing + ") FROM " + target + " AS t WHERE true" + live
	if err := tx.QueryRowContext(ctx, q).Scan(&total, &gone); err != nil {
		return 0, "", "", classify(fmt.Errorf("count deletes of %s: %w", target, err))
	}
	if total > 0 {
		if ratio := float64(gone) / float64(total); ratio > *l.strategy.MaxDeleteRatio {
			return 0, "", "", sdk.Errorf(sdk.CodeData, "mode snapshot_diff: would delete %d of %d target rows (ratio %.3f > max_delete_ratio %g): is the source snapshot complete? raise strategy.max_delete_ratio to allow it",
				gone, total, ratio, *l.strategy.MaxDeleteRatio)
		}
	}
	return gone, missing, live, nil
}

// snapshotChanged is the predicate, parenthesized, on a target row t and
// the staged row s of its key that snapshot_diff replaces t by s: a
// non-key value differs or t was soft-deleted ("" when no column can
// differ).
func (l *load) snapshotChanged() string {
	var changed []string
	for _, c := range fieldNames(l.req.Schema) {
		if !slices.Contains(l.req.UniqueKey, c) {
			changed = append(changed, "t."+quote(c)+" IS DISTINCT FROM s."+quote(c))
		}
	}
	if l.softDeletes() {
		changed = append(changed, "t."+quote(sdk.DeletedAtColumn)+" IS NOT NULL")
	}
	if len(changed) == 0 {
		return ""
	}
	return "(" + strings.Join(changed, " OR ") + ")"
}
