package duckdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dpone-go/dpone/sdk"
)

// CommitLoad publishes the load's staging into the target in one
// transaction: it creates the target when absent, applies the mode, writes
// the receipt row and drops staging. A full_refresh whose staging has the
// target's shape swaps staging in place of the target instead (swap.go). A load whose receipt exists is not
// applied again: CommitLoad returns success and changes nothing.
func (c *Connector) CommitLoad(ctx context.Context, req sdk.LoadRequest, receipt json.RawMessage) (sdk.CommitResult, error) {
	l, err := c.prepare(ctx, req)
	if err != nil {
		return sdk.CommitResult{}, err
	}
	l.db.ddl.Lock()
	defer l.db.ddl.Unlock()
	if req.Staging != nil {
		if err := l.fillFromObjects(ctx); err != nil {
			return sdk.CommitResult{}, err
		}
	}
	if l.req.Mode == sdk.ModeMerge || l.req.Mode == sdk.ModeSnapshotDiff {
		l.checkpoint(ctx)
	}
	var res sdk.CommitResult
	err = l.db.tx(ctx, func(tx *sql.Tx) error {
		if err := l.ensureFenceTables(ctx, tx); err != nil {
			return err
		}
		done, err := hasReceipt(ctx, tx, l.schema, req.LoadID)
		if err != nil || done {
			return err
		}
		// Fencing, in the commit transaction: a run that lost its unit
		// lock finds a newer generation here and commits nothing.
		if err := l.raiseFence(ctx, tx); err != nil {
			return err
		}
		if err := l.checkSharedTarget(ctx, tx); err != nil {
			return err
		}
		staged, err := tableExists(ctx, tx, l.schema, l.staging)
		if err != nil {
			return err
		}
		if !staged {
			return sdk.Errorf(sdk.CodeNotFound, "load %s: staging %s.%s does not exist (never begun, or aborted)", req.LoadID, l.schema, l.staging)
		}
		if err := needSchema(req); err != nil {
			return err
		}
		if l.req.Mode == sdk.ModeFullRefresh {
			if err := l.createTargetIfAbsent(ctx, tx); err != nil {
				return err
			}
			pk, ok, err := l.canSwap(ctx, tx)
			if err != nil {
				return err
			}
			if ok {
				var rows int64
				if res, rows, err = l.swap(ctx, tx, pk); err != nil {
					return err
				}
				return l.writeReceipt(ctx, tx, rows, receipt)
			}
		}
		if err := l.ensureTarget(ctx, tx); err != nil {
			return err
		}
		var rows int64
		if res, rows, err = l.applyLarge(ctx, tx); err != nil {
			return err
		}
		if err := l.writeReceipt(ctx, tx, rows, receipt); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DROP TABLE "+qualified(l.schema, l.staging)); err != nil {
			return classify(fmt.Errorf("drop staging %s.%s: %w", l.schema, l.staging, err))
		}
		return nil
	})
	if err == nil {
		l.db.checkpointCommitted(ctx, l.schema+"."+l.req.Target.Name)
	}
	if err == nil && req.Staging != nil {
		c.finishObjects(ctx, req)
	}
	return res, err
}

func (l *load) ensureReceipts(ctx context.Context, tx *sql.Tx) error {
	q := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (
		load_id VARCHAR PRIMARY KEY, target VARCHAR NOT NULL, mode VARCHAR NOT NULL,
		rows BIGINT NOT NULL, receipt %s, committed_at TIMESTAMP NOT NULL)`,
		qualified(l.schema, receiptsTable), l.db.jsonType)
	if _, err := tx.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+quote(l.schema)); err != nil {
		return classify(fmt.Errorf("create schema %s: %w", l.schema, err))
	}
	if _, err := tx.ExecContext(ctx, q); err != nil {
		return classify(fmt.Errorf("create %s.%s: %w", l.schema, receiptsTable, err))
	}
	return nil
}

func (l *load) writeReceipt(ctx context.Context, tx *sql.Tx, rows int64, receipt json.RawMessage) error {
	var rc any
	if len(receipt) > 0 {
		rc = string(receipt)
	}
	q := fmt.Sprintf("INSERT INTO %s (load_id, target, mode, rows, receipt, committed_at, manifest, unit) VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP, ?, ?)",
		qualified(l.schema, receiptsTable))
	target := l.schema + "." + l.req.Target.Name
	if _, err := tx.ExecContext(ctx, q, l.req.LoadID, target, l.req.Mode, rows, rc, l.req.Fence.Manifest, l.req.Fence.Unit); err != nil {
		return classify(fmt.Errorf("write receipt of load %s: %w", l.req.LoadID, err))
	}
	return nil
}

// createTargetIfAbsent creates the target as ensureTarget does when it is
// absent, and leaves an existing one alone.
func (l *load) createTargetIfAbsent(ctx context.Context, tx *sql.Tx) error {
	exists, err := tableExists(ctx, tx, l.schema, l.req.Target.Name)
	if err != nil || exists {
		return err
	}
	return l.ensureTarget(ctx, tx)
}

// ensureTarget creates the target when absent (with the lineage columns,
// and the primary key of LoadRequest.CreatedKey) and adds missing lineage columns to
// an existing one.
func (l *load) ensureTarget(ctx context.Context, tx *sql.Tx) error {
	target := qualified(l.schema, l.req.Target.Name)
	exists, err := tableExists(ctx, tx, l.schema, l.req.Target.Name)
	if err != nil {
		return err
	}
	if !exists {
		defs, err := typeMapper{jsonType: l.db.jsonType}.columnDefs(l.req.Schema)
		if err != nil {
			return err
		}
		if l.lineageOn() {
			defs = append(defs, quote(l.opts.Lineage.RunIDColumn)+" VARCHAR", quote(l.opts.Lineage.LoadedAtColumn)+" TIMESTAMPTZ")
		}
		if l.softDeletes() {
			defs = append(defs, quote(sdk.DeletedAtColumn)+" TIMESTAMPTZ")
		}
		for _, c := range l.scd2Columns() {
			defs = append(defs, quote(c[0])+" "+c[1])
		}
		if key := l.req.CreatedKey(); len(key) > 0 {
			defs = append(defs, "PRIMARY KEY ("+columnList(key, "")+")")
		}
		q := fmt.Sprintf("CREATE TABLE %s (%s)", target, strings.Join(defs, ", "))
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return classify(fmt.Errorf("create target %s.%s: %w", l.schema, l.req.Target.Name, err))
		}
		return nil
	}
	var add [][2]string
	if l.lineageOn() {
		add = append(add, [2]string{l.opts.Lineage.RunIDColumn, "VARCHAR"}, [2]string{l.opts.Lineage.LoadedAtColumn, "TIMESTAMPTZ"})
	}
	if l.softDeletes() {
		add = append(add, [2]string{sdk.DeletedAtColumn, "TIMESTAMPTZ"})
	}
	add = append(add, l.scd2Columns()...)
	for _, col := range add {
		q := fmt.Sprintf("ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s %s", target, quote(col[0]), col[1])
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return classify(fmt.Errorf("add lineage column %s to %s.%s: %w", col[0], l.schema, l.req.Target.Name, err))
		}
	}
	return nil
}

// selectList renders the staging columns cast to their target types, plus
// the lineage constants, and the matching insert column list.
func (l *load) selectList() (cols, sel string, args []any, err error) {
	target := typeMapper{jsonType: l.db.jsonType}
	staging := typeMapper{jsonType: l.db.jsonType, staging: true}
	names := make([]string, 0, l.req.Schema.NumFields()+2)
	exprs := make([]string, 0, cap(names))
	for _, f := range l.req.Schema.Fields() {
		tt, err := target.columnType(f)
		if err != nil {
			return "", "", nil, err
		}
		st, _ := staging.columnType(f)
		e := quote(f.Name)
		if tt != st {
			e = fmt.Sprintf("CAST(%s AS %s)", e, tt)
		}
		names = append(names, f.Name)
		exprs = append(exprs, e)
	}
	if l.lineageOn() {
		names = append(names, l.opts.Lineage.RunIDColumn, l.opts.Lineage.LoadedAtColumn)
		exprs = append(exprs, "?::VARCHAR", "?::TIMESTAMPTZ")
		args = append(args, l.opts.Lineage.RunID, l.loadedAt)
	}
	return columnList(names, ""), strings.Join(exprs, ", "), args, nil
}

// applyLarge applies the mode, by rebuild when a merge or snapshot_diff
// stages a large share of the target's rows (rebuild.go), else by apply.
func (l *load) applyLarge(ctx context.Context, tx *sql.Tx) (sdk.CommitResult, int64, error) {
	if l.req.Mode == sdk.ModeMerge || l.req.Mode == sdk.ModeSnapshotDiff {
		p, ok, err := l.planRebuild(ctx, tx)
		if err != nil {
			return sdk.CommitResult{}, 0, err
		}
		switch {
		case ok && l.req.Mode == sdk.ModeMerge:
			return l.rebuildMerge(ctx, tx, p)
		case ok:
			return l.rebuildSnapshotDiff(ctx, tx, p)
		}
	}
	return l.apply(ctx, tx)
}

// apply moves staging into the target by mode; rows is the staged count.
func (l *load) apply(ctx context.Context, tx *sql.Tx) (res sdk.CommitResult, rows int64, err error) {
	target := qualified(l.schema, l.req.Target.Name)
	staging := qualified(l.schema, l.staging)
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+staging).Scan(&rows); err != nil {
		return res, 0, classify(fmt.Errorf("count staging: %w", err))
	}
	cols, sel, args, err := l.selectList()
	if err != nil {
		return res, 0, err
	}
	exec := func(what, q string, args ...any) (int64, error) {
		r, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return 0, classify(fmt.Errorf("%s %s.%s: %w", what, l.schema, l.req.Target.Name, err))
		}
		n, _ := r.RowsAffected()
		return n, nil
	}
	insert := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s", target, cols, sel, staging)
	switch l.req.Mode {
	case sdk.ModeReplace:
		res, err = l.applyReplace(ctx, tx, exec, insert, args)
	case sdk.ModePartitionReplace:
		res, err = l.applyPartitionReplace(exec, insert, args)
	case sdk.ModeSnapshotDiff:
		res, err = l.applySnapshotDiff(ctx, tx, exec)
	case sdk.ModeSCD2:
		res, err = l.applySCD2(ctx, tx, exec)
	case sdk.ModeFullRefresh:
		if res.RowsDeleted, err = exec("replace contents of", "DELETE FROM "+target); err != nil {
			return res, 0, err
		}
		res.RowsInserted, err = exec("insert into", insert, args...)
	case sdk.ModeAppend:
		res.RowsInserted, err = exec("insert into", insert, args...)
	case sdk.ModeMerge:
		res, err = l.applyMerge(exec, target, staging, insert, args)
	}
	return res, rows, err
}

// applyMerge upserts staging into the target by the unique key; the last
// staged row of a key wins. It stays within DuckDB's memory_limit for
// millions of rows: duplicates are first deleted from staging (a hash
// aggregate, which spills to temp_directory), then matched target rows
// are deleted and staging inserted as is. A window over staging
// (QUALIFY row_number() ...) instead needs memory for all of staging and
// failed at the default 128MB for ~750K rows into a 1M-row table.
func (l *load) applyMerge(exec modeExec, target, staging, insert string, args []any) (sdk.CommitResult, error) {
	var res sdk.CommitResult
	keys := l.req.UniqueKey
	dups := fmt.Sprintf("DELETE FROM %s AS s USING (SELECT %s, max(rowid) AS dpone_keep FROM %s GROUP BY ALL HAVING count(*) > 1) AS d WHERE %s AND s.rowid <> d.dpone_keep",
		staging, columnList(keys, ""), staging, keyMatch("s", "d", keys))
	if _, err := exec("merge (drop staged duplicates) into", dups); err != nil {
		return res, err
	}
	del := fmt.Sprintf("DELETE FROM %s AS t USING (SELECT DISTINCT %s FROM %s) AS s WHERE %s",
		target, columnList(keys, ""), staging, keyMatch("t", "s", keys))
	var err error
	if res.RowsUpdated, err = exec("merge (delete matched) into", del); err != nil {
		return res, err
	}
	n, err := exec("merge (insert) into", insert, args...)
	if err != nil {
		return res, err
	}
	res.RowsInserted = n - res.RowsUpdated
	return res, nil
}
