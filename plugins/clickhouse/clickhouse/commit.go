package clickhouse

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/dpone-go/dpone/sdk"
)

// CommitLoad publishes the load's staging into the target in one atomic
// step and then writes its receipt: full_refresh by EXCHANGE TABLES (or
// RENAME when the target is absent), replace and snapshot_diff by
// EXCHANGE TABLES with a rebuilt table (rebuild.go), incremental_append and
// incremental_merge by moving staging's parts into the target (after a
// lightweight DELETE of the staged keys for merge: delete_insert). A load
// whose receipt exists is not applied again: CommitLoad succeeds and
// changes nothing. With sink.staging, staging is first filled from the
// load's verified parts (stagefill.go), and the parts are removed after
// the commit unless staging.keep.
func (c *Connector) CommitLoad(ctx context.Context, req sdk.LoadRequest, receipt json.RawMessage) (sdk.CommitResult, error) {
	l, err := c.prepare(ctx, req)
	if err != nil {
		return sdk.CommitResult{}, err
	}
	done, err := l.hasReceipt(ctx)
	if err != nil {
		return sdk.CommitResult{}, err
	}
	if done {
		if req.Staging != nil {
			c.finishObjects(ctx, req)
		}
		return sdk.CommitResult{}, nil
	}
	// Fencing before any change: a run that lost its unit lock finds a
	// newer generation here and publishes nothing.
	if err := l.fenceCheck(ctx); err != nil {
		return sdk.CommitResult{}, err
	}
	if req.Staging != nil {
		if err := l.fillFromObjects(ctx); err != nil {
			return sdk.CommitResult{}, err
		}
	}
	res, err := l.publish(ctx, receipt)
	if err == nil && req.Staging != nil {
		c.finishObjects(ctx, req)
	}
	return res, err
}

// publish runs (or finishes, after a crash) the publish step of the load
// and writes its receipt. Every step is idempotent: a load that EXCHANGE
// already swapped in is recognized by the target's comment, and moving
// the parts of a partly moved staging moves only what is left.
func (l *load) publish(ctx context.Context, receipt json.RawMessage) (sdk.CommitResult, error) {
	var res sdk.CommitResult
	id := l.req.LoadID
	target, staging := qualified(l.db, l.req.Target.Name), qualified(l.db, l.staging)
	t, err := l.srv.table(ctx, l.db, l.req.Target.Name)
	if err != nil {
		return res, err
	}
	if t != nil && t.comment == loadMarker+id {
		// EXCHANGE (or RENAME) ran; the receipt did not.
		if err := l.writeReceipt(ctx, t.totalRows, receipt); err != nil {
			return res, err
		}
		return res, l.dropDebris(ctx)
	}
	st, err := l.srv.table(ctx, l.db, l.staging)
	if err != nil {
		return res, err
	}
	marked, pub := publishMark{rows: -1}, false
	if st != nil {
		marked, pub = publishing(st.comment, id)
	}
	if st == nil || (st.comment != loadMarker+id && !pub) {
		return res, sdk.Errorf(sdk.CodeNotFound, "load %s: staging %s.%s does not exist (never begun, or aborted)", id, l.db, l.staging)
	}
	if err := needSchema(l.req); err != nil {
		return res, err
	}
	var rows int64
	if err := l.srv.conn.QueryRow(detach(ctx), "SELECT toInt64(count()) FROM "+staging).Scan(&rows); err != nil {
		return res, classify(fmt.Errorf("count staging %s.%s: %w", l.db, l.staging, err))
	}
	if pub && marked.rows >= 0 {
		rows = marked.rows // the publish began: some parts may be in the target
	}
	l.version = marked.version
	res.RowsInserted = rows
	if l.req.Mode == sdk.ModeSCD2 {
		return l.publishSCD2(ctx, t, rows, receipt)
	}
	if rebuilds(l.req.Mode) && t != nil {
		return l.publishRebuild(ctx, t, rows, receipt)
	}
	if l.req.Mode == sdk.ModeReplace {
		if err := l.checkSlice(ctx); err != nil {
			return res, err
		}
	}
	if l.req.Mode == sdk.ModeFullRefresh || rebuilds(l.req.Mode) {
		if t == nil {
			err = l.exec(ctx, "publish "+l.req.Target.Name, "RENAME TABLE "+staging+" TO "+target)
		} else {
			res.RowsDeleted = t.totalRows
			err = l.exec(ctx, "publish "+l.req.Target.Name, "EXCHANGE TABLES "+staging+" AND "+target)
		}
		if err != nil {
			return res, err
		}
		if err := l.dropVersionDefault(ctx, st); err != nil {
			return res, err
		}
		if err := l.writeReceipt(ctx, rows, receipt); err != nil {
			return res, err
		}
		return res, l.exec(ctx, "drop replaced table", "DROP TABLE IF EXISTS "+staging+" SYNC")
	}
	if !pub {
		// The version is set once, before the publish begins: a publish
		// finished after a crash moves rows that carry it already.
		if err := l.setVersion(ctx, t, st); err != nil {
			return res, err
		}
		if err := l.exec(ctx, "mark publish", "ALTER TABLE "+staging+" MODIFY COMMENT "+literal(publishingComment(id, publishMark{rows: rows, version: l.version}))); err != nil {
			return res, err
		}
	}
	if t == nil {
		create := "CREATE TABLE IF NOT EXISTS " + target + " AS " + staging + " COMMENT ''"
		if l.versioned() {
			// staging is the plain MergeTree of a versioned target.
			ddl, err := l.createDDL(l.req.Target.Name, "")
			if err != nil {
				return res, err
			}
			create = strings.Replace(ddl, "CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ", 1)
		}
		if err := l.exec(ctx, "create target "+l.req.Target.Name, create); err != nil {
			return res, err
		}
	}
	if l.req.Mode == sdk.ModeMerge && l.opts.Merge == mergeDeleteInsert && t != nil {
		keys := columnList(l.req.UniqueKey)
		del := fmt.Sprintf("DELETE FROM %s WHERE (%s) IN (SELECT %s FROM %s)", target, keys, keys, staging)
		dctx := ch.Context(ctx, ch.WithSettings(ch.Settings{"lightweight_deletes_sync": 2}))
		if err := l.srv.conn.Exec(detach(dctx), del); err != nil {
			return res, classify(fmt.Errorf("merge: delete staged keys from %s.%s: %w", l.db, l.req.Target.Name, err))
		}
	}
	parts, err := l.srv.partitions(ctx, l.db, l.staging)
	if err != nil {
		return res, err
	}
	for _, p := range parts {
		q := fmt.Sprintf("ALTER TABLE %s MOVE PARTITION ID %s TO TABLE %s", staging, literal(p), target)
		if l.req.Mode == sdk.ModePartitionReplace {
			// A copy, so a retry after a crash replaces the same again.
			q = fmt.Sprintf("ALTER TABLE %s REPLACE PARTITION ID %s FROM %s", target, literal(p), staging)
		}
		if err := l.exec(ctx, "publish into "+l.req.Target.Name, q); err != nil {
			return res, err
		}
	}
	if err := l.writeReceipt(ctx, rows, receipt); err != nil {
		return res, err
	}
	return res, l.exec(ctx, "drop staging", "DROP TABLE IF EXISTS "+staging+" SYNC")
}

// checkTarget refuses, at BeginLoad, a target the mode cannot publish
// into.
func (l *load) checkTarget(t *tableInfo) error {
	if !strings.Contains(t.engine, "MergeTree") {
		return sdk.Errorf(sdk.CodeSchema, "target %s.%s has engine %s: loads publish by moving parts, which needs a MergeTree-family engine", l.db, l.req.Target.Name, t.engine)
	}
	if pb := l.partitionBy(); len(pb) > 0 && !samePartitionKey(t.partitionKey, pb) {
		return sdk.Errorf(sdk.CodeSchema, "target %s.%s is partitioned by %q, not by partition_by %v: REPLACE PARTITION needs the target partitioned by exactly those columns; recreate it, or load another target",
			l.db, l.req.Target.Name, t.partitionKey, pb)
	}
	if l.req.Mode == sdk.ModeMerge && l.opts.Merge == mergeReplacing &&
		(!strings.Contains(t.engine, "ReplacingMergeTree") || !slices.Equal(t.sortingKey, l.req.UniqueKey)) {
		return sdk.Errorf(sdk.CodeSchema, "target %s.%s (%s ORDER BY %s) cannot upsert by unique_key %v: a replacing merge needs ReplacingMergeTree ordered by the unique key; set sink.options.merge: delete_insert, or recreate the target",
			l.db, l.req.Target.Name, t.engine, strings.Join(t.sortingKey, ", "), l.req.UniqueKey)
	}
	if l.req.Mode == sdk.ModeMerge && l.opts.Merge == mergeReplacing && !t.versioned && !strings.Contains(t.engineFull, "ReplacingMergeTree(") {
		logWarn(fmt.Sprintf("target %s.%s is a ReplacingMergeTree without a version column (made by an earlier dpone, or by hand): "+
			"of two loads of a key it keeps the row of the part ClickHouse orders last, usually but not always the newest load; "+
			"docs/types/clickhouse.md (\"Versioned targets\") shows how to convert it in place", l.db, l.req.Target.Name))
	}
	return nil
}

// ensureReceipts creates the receipts table when absent (once per call:
// the fence check, the version and the receipt each need it).
func (l *load) ensureReceipts(ctx context.Context) error {
	if l.receiptsReady {
		return nil
	}
	q := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (load_id String, target String, mode String,
		rows Int64, receipt String, committed_at DateTime64(6, 'UTC') DEFAULT now64(6),
		manifest String DEFAULT '', unit String DEFAULT '', version UInt64 DEFAULT 0)
		ENGINE = ReplacingMergeTree ORDER BY load_id`, qualified(l.db, receiptsTable))
	if err := l.exec(ctx, "create "+l.db+"."+receiptsTable, q); err != nil {
		return err
	}
	// Receipts tables of connector versions before fencing and versions.
	if err := l.exec(ctx, "add fencing columns to "+receiptsTable, "ALTER TABLE "+qualified(l.db, receiptsTable)+
		" ADD COLUMN IF NOT EXISTS manifest String DEFAULT '', ADD COLUMN IF NOT EXISTS unit String DEFAULT '',"+
		" ADD COLUMN IF NOT EXISTS version UInt64 DEFAULT 0"); err != nil {
		return err
	}
	l.receiptsReady = true
	return nil
}

// writeReceipt records the load as published.
func (l *load) writeReceipt(ctx context.Context, rows int64, receipt json.RawMessage) error {
	// The crash-safety suite kills the plugin here: published, no receipt.
	sdk.FaultPoint("clickhouse", "receipt")
	if err := l.ensureReceipts(ctx); err != nil {
		return err
	}
	ictx := ch.Context(ctx, ch.WithSettings(ch.Settings{"async_insert": 0}))
	q := fmt.Sprintf("INSERT INTO %s (load_id, target, mode, rows, receipt, manifest, unit, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", qualified(l.db, receiptsTable))
	if err := l.srv.conn.Exec(detach(ictx), q, l.req.LoadID, l.targetName(), l.req.Mode, rows, string(receipt), l.req.Fence.Manifest, l.req.Fence.Unit, l.version); err != nil {
		return classify(fmt.Errorf("write receipt of load %s: %w", l.req.LoadID, err))
	}
	return nil
}

// hasReceipt reports whether the load's receipt exists.
func (l *load) hasReceipt(ctx context.Context) (bool, error) {
	t, err := l.srv.table(ctx, l.db, receiptsTable)
	if err != nil || t == nil {
		return false, err
	}
	var n uint64
	q := "SELECT count() FROM " + qualified(l.db, receiptsTable) + " WHERE load_id = ?"
	if err := l.srv.conn.QueryRow(detach(ctx), q, l.req.LoadID).Scan(&n); err != nil {
		return false, classify(fmt.Errorf("read receipts %s.%s: %w", l.db, receiptsTable, err))
	}
	return n > 0, nil
}

// samePartitionKey reports whether a partition_key of system.tables
// ("name", "(a, b)") is exactly the columns cols.
func samePartitionKey(key string, cols []string) bool {
	key = strings.TrimSuffix(strings.TrimPrefix(key, "("), ")")
	parts := strings.Split(key, ",")
	if len(parts) != len(cols) {
		return false
	}
	for i, p := range parts {
		if strings.Trim(strings.TrimSpace(p), "`") != cols[i] {
			return false
		}
	}
	return true
}
