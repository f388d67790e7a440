package postgres

import (
	"context"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/dpone-go/dpone/sdk"
)

// sinkModes lists every mode the destination implements.
var sinkModes = []string{sdk.ModeFullRefresh, sdk.ModeAppend, sdk.ModeMerge,
	sdk.ModeSnapshotDiff, sdk.ModeReplace, sdk.ModePartitionReplace, sdk.ModeSCD2}

// checkColumns checks that the mode's key and partition columns are loaded.
func (l *load) checkColumns(names []string) error {
	for _, k := range l.req.UniqueKey {
		if !slices.Contains(names, k) {
			return sdk.Errorf(sdk.CodeConfig, "unique_key column %q is not in the loaded columns", k)
		}
	}
	if l.req.Mode == sdk.ModePartitionReplace {
		for _, p := range l.strategy.PartitionBy {
			if !slices.Contains(names, p) {
				return sdk.Errorf(sdk.CodeConfig, "partition_by column %q is not in the loaded columns", p)
			}
		}
	}
	return nil
}

// softDeletes reports whether the target carries sdk.DeletedAtColumn.
func (l *load) softDeletes() bool { return l.strategy.SoftDeletes() }

// deletedAt is the SQL value soft deletes stamp: the load's lineage time,
// else the transaction's.
func (l *load) deletedAt() (string, []any) {
	if lg := l.opts.Lineage; lg != nil && lg.LoadedAt != "" {
		return "$1::timestamptz", []any{lg.LoadedAt}
	}
	return "now()", nil
}

// keyMatch renders "a.k1 IS NOT DISTINCT FROM b.k1 AND ..." for cols.
func keyMatch(a, b string, cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = a + "." + ident(c) + " IS NOT DISTINCT FROM " + b + "." + ident(c)
	}
	return strings.Join(parts, " AND ")
}

// applyReplace deletes the where slice, checks that every staged row lies
// in it (else a rerun would not replace them: DATA error) and inserts.
func (l *load) applyReplace(ctx context.Context, tx pgx.Tx, insert string, args []any) (sdk.CommitResult, error) {
	var res sdk.CommitResult
	var outside int64
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+l.staging+" WHERE NOT coalesce(("+l.strategy.Where+"), false)").Scan(&outside); err != nil {
		return res, sdk.Errorf(sdk.CodeConfig, "strategy.where %q: %w", l.strategy.Where, err)
	}
	if outside > 0 {
		return res, sdk.Errorf(sdk.CodeData, "mode replace: %d staged rows fall outside strategy.where %q: a rerun would not replace them; widen the predicate or filter the source", outside, l.strategy.Where)
	}
	tag, err := tx.Exec(ctx, "DELETE FROM "+l.target+" WHERE "+l.strategy.Where)
	if err != nil {
		return res, sdk.Errorf(sdk.CodeConfig, "strategy.where %q: %w", l.strategy.Where, err)
	}
	res.RowsDeleted = tag.RowsAffected()
	if tag, err = tx.Exec(ctx, insert, args...); err != nil {
		return res, err
	}
	res.RowsInserted = tag.RowsAffected()
	return res, nil
}

// applyPartitionReplace deletes every target row whose partition values
// appear in staging (NULL matches NULL), then inserts staging.
func (l *load) applyPartitionReplace(ctx context.Context, tx pgx.Tx, insert string, args []any) (sdk.CommitResult, error) {
	var res sdk.CommitResult
	cols := identList(l.strategy.PartitionBy)
	del := "DELETE FROM " + l.target + " t WHERE EXISTS (SELECT 1 FROM (SELECT DISTINCT " + cols + " FROM " + l.staging +
		") p WHERE " + keyMatch("t", "p", l.strategy.PartitionBy) + ")"
	tag, err := tx.Exec(ctx, del)
	if err != nil {
		return res, err
	}
	res.RowsDeleted = tag.RowsAffected()
	if tag, err = tx.Exec(ctx, insert, args...); err != nil {
		return res, err
	}
	res.RowsInserted = tag.RowsAffected()
	return res, nil
}

// applySnapshotDiff converges the target to staging: it refuses when the
// deletes exceed max_delete_ratio of the live rows, deletes (or soft
// deletes) keys missing from staging, then upserts staging, touching only
// rows whose values differ (or that were soft-deleted).
func (l *load) applySnapshotDiff(ctx context.Context, tx pgx.Tx, names []string) (sdk.CommitResult, error) {
	var res sdk.CommitResult
	keys := l.req.UniqueKey
	live := ""
	if l.softDeletes() {
		live = " AND t." + ident(sdk.DeletedAtColumn) + " IS NULL"
	}
	missing := "NOT EXISTS (SELECT 1 FROM " + l.staging + " s WHERE " + keyMatch("t", "s", keys) + ")"
	var total, gone int64
	err := tx.QueryRow(ctx, "SELECT count(*), count(*) FILTER (WHERE "+missing+") FROM "+l.target+" t WHERE true"+live).Scan(&total, &gone)
	if err != nil {
		return res, err
	}
	if total > 0 {
		if ratio := float64(gone) / float64(total); ratio > *l.strategy.MaxDeleteRatio {
			return res, sdk.Errorf(sdk.CodeData, "mode snapshot_diff: would delete %d of %d target rows (ratio %.3f > max_delete_ratio %g): is the source snapshot complete? raise strategy.max_delete_ratio to allow it",
				gone, total, ratio, *l.strategy.MaxDeleteRatio)
		}
	}
	if gone > 0 {
		var tag interface{ RowsAffected() int64 }
		if l.softDeletes() {
			at, args := l.deletedAt()
			tag, err = tx.Exec(ctx, "UPDATE "+l.target+" t SET "+ident(sdk.DeletedAtColumn)+" = "+at+" WHERE "+missing+live, args...)
		} else {
			tag, err = tx.Exec(ctx, "DELETE FROM "+l.target+" t WHERE "+missing)
		}
		if err != nil {
			return res, err
		}
		res.RowsDeleted = tag.RowsAffected()
	}

	lcols, lvals, args := l.lineageCols()
	into := append(slices.Clone(names), lcols...)
	sel := append(identSlice(names), lvals...)
	var sets, changed []string
	for _, c := range into {
		if !slices.Contains(keys, c) {
			sets = append(sets, ident(c)+" = EXCLUDED."+ident(c))
		}
	}
	for _, c := range names {
		if !slices.Contains(keys, c) {
			changed = append(changed, "t."+ident(c)+" IS DISTINCT FROM EXCLUDED."+ident(c))
		}
	}
	if l.softDeletes() {
		into = append(into, sdk.DeletedAtColumn)
		sel = append(sel, "NULL::timestamptz")
		sets = append(sets, ident(sdk.DeletedAtColumn)+" = NULL")
		changed = append(changed, "t."+ident(sdk.DeletedAtColumn)+" IS NOT NULL")
	}
	action := "DO NOTHING"
	if len(changed) > 0 {
		action = "DO UPDATE SET " + strings.Join(sets, ", ") + " WHERE " + strings.Join(changed, " OR ")
	}
	kl := identList(keys)
	q := "WITH up AS (INSERT INTO " + l.target + " AS t (" + identList(into) + ") SELECT DISTINCT ON (" + kl + ") " +
		strings.Join(sel, ", ") + " FROM " + l.staging + " ORDER BY " + kl + ", ctid DESC ON CONFLICT (" + kl + ") " + action +
		" RETURNING (xmax = 0) AS inserted) SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up"
	if err := tx.QueryRow(ctx, q, args...).Scan(&res.RowsInserted, &res.RowsUpdated); err != nil {
		return res, err
	}
	return res, nil
}
