package clickhouse

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/dpone-go/dpone/sdk"
)

// replace and snapshot_diff publish by rebuilding: a swap table in the
// target's shape gets the target rows the load keeps (replace: those
// outside strategy.where; snapshot_diff with soft deletes: the keys the
// load lacks, stamped deleted) and a copy of staging's parts, then one
// EXCHANGE TABLES swaps it in, carrying the load's marker. Readers see
// the old target or the new one, never a half; a crash before the
// exchange leaves the target untouched (the load is still staged), one
// after it is recognized by the marker. The cost is a copy of the kept
// rows per load: for large targets, partition_replace moves parts only.

// rebuilds reports whether mode publishes by rebuilding.
func rebuilds(mode string) bool { return mode == sdk.ModeReplace || mode == sdk.ModeSnapshotDiff }

// swap is the table a rebuild fills before the exchange.
func (l *load) swap() string { return l.staging + "_swap" }

// final is " FINAL" for an engine that collapses rows at read time.
func final(engine string) string {
	if strings.Contains(engine, "Replacing") || strings.Contains(engine, "Collapsing") {
		return " FINAL"
	}
	return ""
}

// publishRebuild publishes a replace or snapshot_diff load into the
// existing target t (rows are staging's) and writes the receipt.
func (l *load) publishRebuild(ctx context.Context, t *tableInfo, rows int64, receipt json.RawMessage) (sdk.CommitResult, error) {
	keep, res, err := l.rebuildPlan(ctx, t)
	if err != nil {
		return res, err
	}
	if err := l.buildSwap(ctx, keep); err != nil {
		return res, err
	}
	swap, target := qualified(l.db, l.swap()), qualified(l.db, l.req.Target.Name)
	if err := l.exec(ctx, "publish "+l.req.Target.Name, "EXCHANGE TABLES "+swap+" AND "+target); err != nil {
		return res, err
	}
	if l.req.Mode == sdk.ModeReplace {
		res.RowsInserted = rows
	}
	if err := l.writeReceipt(ctx, rows, receipt); err != nil {
		return res, err
	}
	return res, l.dropDebris(ctx)
}

// dropDebris drops the load's staging and swap tables.
func (l *load) dropDebris(ctx context.Context) error {
	for _, name := range []string{l.staging, l.swap()} {
		if err := l.exec(ctx, "drop "+name, "DROP TABLE IF EXISTS "+qualified(l.db, name)+" SYNC"); err != nil {
			return err
		}
	}
	return nil
}

// rebuildPlan checks the load against the target and returns the SELECT
// of the target rows the rebuilt table keeps ("" for none) and the rows
// the load deletes and updates.
func (l *load) rebuildPlan(ctx context.Context, t *tableInfo) (keep string, res sdk.CommitResult, err error) {
	target, staging := qualified(l.db, l.req.Target.Name)+final(t.engine), qualified(l.db, l.staging)
	if l.req.Mode == sdk.ModeReplace {
		where := l.strategy.Where
		slice := "coalesce((" + where + "), false)"
		if err := l.checkSlice(ctx); err != nil {
			return "", res, err
		}
		if err := l.srv.conn.QueryRow(detach(ctx), "SELECT toInt64(count()) FROM "+target+" WHERE "+slice).Scan(&res.RowsDeleted); err != nil {
			return "", res, whereError(where, err)
		}
		return "SELECT * FROM " + target + " WHERE NOT " + slice, res, nil
	}
	keys := "(" + columnList(l.req.UniqueKey) + ")"
	missing := keys + " NOT IN (SELECT " + columnList(l.req.UniqueKey) + " FROM " + staging + ")"
	live := "true"
	if l.strategy.SoftDeletes() {
		live = quote(sdk.DeletedAtColumn) + " IS NULL"
	}
	var total, gone int64
	q := fmt.Sprintf("SELECT toInt64(countIf(%s)), toInt64(countIf(%s AND %s)), toInt64(countIf(NOT %s)) FROM %s", live, live, missing, missing, target)
	if err := l.srv.conn.QueryRow(detach(ctx), q).Scan(&total, &gone, &res.RowsUpdated); err != nil {
		return "", res, classify(fmt.Errorf("snapshot_diff: count the deletes of %s.%s: %w", l.db, l.req.Target.Name, err))
	}
	if total > 0 {
		if ratio := float64(gone) / float64(total); ratio > *l.strategy.MaxDeleteRatio {
			return "", res, sdk.Errorf(sdk.CodeData, "mode snapshot_diff: would delete %d of %d target rows (ratio %.3f > max_delete_ratio %g): is the source snapshot complete? raise sink.strategy.max_delete_ratio to allow it",
				gone, total, ratio, *l.strategy.MaxDeleteRatio)
		}
	}
	var staged int64
	if err := l.srv.conn.QueryRow(detach(ctx), "SELECT toInt64(uniqExact("+columnList(l.req.UniqueKey)+")) FROM "+staging).Scan(&staged); err != nil {
		return "", res, classify(fmt.Errorf("snapshot_diff: count staged keys: %w", err))
	}
	res.RowsDeleted, res.RowsInserted = gone, staged-res.RowsUpdated
	if !l.strategy.SoftDeletes() {
		return "", res, nil
	}
	at := "now64(6, 'UTC')"
	if l.lineage() != nil {
		at = fmt.Sprintf("toDateTime64(%s, 6, 'UTC')", literal(l.loadedAt.UTC().Format("2006-01-02 15:04:05.000000")))
	}
	dc := quote(sdk.DeletedAtColumn)
	return fmt.Sprintf("SELECT * REPLACE (coalesce(%s, %s) AS %s) FROM %s WHERE %s", dc, at, dc, target, missing), res, nil
}

// checkSlice refuses a replace load with staged rows outside
// strategy.where: a rerun would not replace them.
func (l *load) checkSlice(ctx context.Context) error {
	where := l.strategy.Where
	var outside uint64
	q := "SELECT count() FROM " + qualified(l.db, l.staging) + " WHERE NOT coalesce((" + where + "), false)"
	if err := l.srv.conn.QueryRow(detach(ctx), q).Scan(&outside); err != nil {
		return whereError(where, err)
	}
	if outside > 0 {
		return sdk.Errorf(sdk.CodeData, "mode replace: %d staged rows fall outside sink.strategy.where %q: a rerun would not replace them; widen the predicate or filter the source", outside, where)
	}
	return nil
}

// whereError is a failed query on strategy.where: a CONFIG error when the
// server refused the predicate itself.
func whereError(where string, err error) error {
	err = classify(fmt.Errorf("strategy.where %q: %w", where, err))
	if c := sdk.CodeOf(err); c == sdk.CodeData || c == sdk.CodeSchema || c == sdk.CodeInternal {
		return sdk.Errorf(sdk.CodeConfig, "sink.strategy.where %q is not a valid ClickHouse predicate on the target's columns: %w", where, err)
	}
	return err
}

// buildSwap (re)creates the swap table in the target's shape, marked
// with the load, and fills it with keep's rows and a copy of staging's
// parts. Staging and the target are left as they are.
func (l *load) buildSwap(ctx context.Context, keep string) error {
	swap, target, staging := qualified(l.db, l.swap()), qualified(l.db, l.req.Target.Name), qualified(l.db, l.staging)
	if err := l.exec(ctx, "drop old swap table", "DROP TABLE IF EXISTS "+swap+" SYNC"); err != nil {
		return err
	}
	if err := l.exec(ctx, "create swap table", "CREATE TABLE "+swap+" AS "+target+" COMMENT "+literal(loadMarker+l.req.LoadID)); err != nil {
		return err
	}
	if keep != "" {
		ictx := ch.Context(ctx, ch.WithSettings(ch.Settings{"async_insert": 0, "insert_deduplicate": 0, "max_partitions_per_insert_block": 0}))
		if err := l.srv.conn.Exec(detach(ictx), "INSERT INTO "+swap+" "+keep); err != nil {
			return classify(fmt.Errorf("copy the kept rows of %s.%s: %w", l.db, l.req.Target.Name, err))
		}
	}
	parts, err := l.srv.partitions(ctx, l.db, l.staging)
	if err != nil {
		return err
	}
	for _, p := range parts {
		q := fmt.Sprintf("ALTER TABLE %s ATTACH PARTITION ID %s FROM %s", swap, literal(p), staging)
		if err := l.exec(ctx, "copy staged parts", q); err != nil {
			return err
		}
	}
	return nil
}
