package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/dpone-go/dpone/sdk"
)

// CommitLoad publishes staging into the target in one transaction: create
// the target when absent, apply the mode, record the receipt in
// <schema>._dpone_loads and drop staging. A load already committed (its
// receipt exists) is not applied again: CommitLoad returns success.
//
// full_refresh swaps staging in for the target (see swap.go) and falls
// back to TRUNCATE + INSERT in the transaction when the target cannot be
// swapped: TRUNCATE takes an ACCESS EXCLUSIVE lock, so readers wait and
// then see the new contents, never an empty or partial table, and the
// target keeps its grants, indexes and dependent views.
func (c *Connector) CommitLoad(ctx context.Context, req sdk.LoadRequest, receipt json.RawMessage) (sdk.CommitResult, error) {
	l, err := resolveLoad(req, true)
	if err != nil {
		return sdk.CommitResult{}, err
	}
	conn, err := connect(ctx, req.Config)
	if err != nil {
		return sdk.CommitResult{}, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var res sdk.CommitResult
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		var err error
		res, err = l.commit(ctx, tx, receipt)
		return err
	})
	if err != nil {
		return sdk.CommitResult{}, classify(fmt.Errorf("commit load %s into %s: %w", req.LoadID, l.target, err))
	}
	return res, nil
}

func (l *load) commit(ctx context.Context, tx pgx.Tx, receipt json.RawMessage) (sdk.CommitResult, error) {
	var res sdk.CommitResult
	// One commit per target at a time; a second commit of the same load
	// waits here and then finds the receipt.
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext($1))", "dpone:target:"+l.target); err != nil {
		return res, err
	}
	exists, err := regclassExists(ctx, tx, l.receipts())
	if err != nil {
		return res, err
	}
	if !exists {
		if _, err := tx.Exec(ctx, fmt.Sprintf(receiptsDDL, l.receipts())); err != nil {
			return res, err
		}
	}
	if err := l.ensureFenceTables(ctx, tx); err != nil {
		return res, err
	}
	var done bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+l.receipts()+" WHERE load_id = $1)", l.req.LoadID).Scan(&done); err != nil {
		return res, err
	}
	if done {
		return res, nil
	}
	// Fencing, in the commit transaction: a run that lost its unit lock
	// finds a newer generation here and commits nothing.
	if err := l.raiseFence(ctx, tx); err != nil {
		return res, err
	}
	if err := l.checkSharedTarget(ctx, tx); err != nil {
		return res, err
	}
	cols, err := tableColumns(ctx, tx, l.schema, l.stgName)
	if err != nil {
		return res, err
	}
	if len(cols) == 0 {
		return res, sdk.Errorf(sdk.CodeNotFound, "staging table %s not found: the load was aborted or never begun", l.staging)
	}
	// A staging table shaped like the target (full_refresh by swap) holds
	// the target's lineage columns too: they are not loaded columns.
	lcols, _, _ := l.lineageCols()
	cols = slices.DeleteFunc(cols, func(c pgColumn) bool { return slices.Contains(lcols, c.Name) })
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	if err := l.checkColumns(names); err != nil {
		return res, err
	}
	path := ""
	if l.req.Mode == sdk.ModeFullRefresh {
		var reason string
		if res, path, reason, err = l.swap(ctx, tx, receipt); err != nil {
			return res, err
		}
		if path != pathSwap {
			logInfo("full_refresh falls back to truncate+insert", "load_id", l.req.LoadID, "target", l.target, "reason", reason)
		}
	}
	if path != pathSwap {
		if err := l.ensureTarget(ctx, tx, cols); err != nil {
			return res, err
		}
		if res, err = l.apply(ctx, tx, names); err != nil {
			return res, err
		}
	}
	if len(receipt) == 0 {
		receipt = json.RawMessage("{}")
	}
	_, err = tx.Exec(ctx, "INSERT INTO "+l.receipts()+" (load_id, target, mode, rows, receipt, manifest, unit) VALUES ($1, $2, $3, $4, $5, $6, $7)",
		l.req.LoadID, l.target, l.req.Mode, res.RowsInserted+res.RowsUpdated, string(receipt), l.req.Fence.Manifest, l.req.Fence.Unit)
	if err != nil {
		return res, err
	}
	if path == pathSwap {
		logInfo("full_refresh by swap", "load_id", l.req.LoadID, "target", l.target)
		return res, nil // staging is the target now
	}
	_, err = tx.Exec(ctx, "DROP TABLE "+l.staging)
	return res, err
}

// lineageCols returns the lineage columns and the SQL values of them.
func (l *load) lineageCols() (cols, vals []string, args []any) {
	lg := l.opts.Lineage
	if lg == nil {
		return nil, nil, nil
	}
	if lg.RunIDColumn != "" {
		args = append(args, lg.RunID)
		cols, vals = append(cols, lg.RunIDColumn), append(vals, fmt.Sprintf("$%d::text", len(args)))
	}
	if lg.LoadedAtColumn != "" {
		args = append(args, lg.LoadedAt)
		cols, vals = append(cols, lg.LoadedAtColumn), append(vals, fmt.Sprintf("$%d::timestamptz", len(args)))
	}
	return cols, vals, args
}

// ensureTarget creates the target when absent (columns from the load's
// schema, else staging's; lineage columns; the primary key of LoadRequest.CreatedKey) and adds missing lineage columns to an existing one.
func (l *load) ensureTarget(ctx context.Context, tx pgx.Tx, staging []pgColumn) error {
	exists, err := regclassExists(ctx, tx, l.target)
	if err != nil {
		return err
	}
	var ldefs []string
	if lg := l.opts.Lineage; lg != nil {
		if lg.RunIDColumn != "" {
			ldefs = append(ldefs, ident(lg.RunIDColumn)+" text")
		}
		if lg.LoadedAtColumn != "" {
			ldefs = append(ldefs, ident(lg.LoadedAtColumn)+" timestamptz")
		}
	}
	if l.softDeletes() {
		ldefs = append(ldefs, ident(sdk.DeletedAtColumn)+" timestamptz")
	}
	ldefs = append(ldefs, l.scd2Defs()...)
	if exists {
		for _, d := range ldefs {
			if _, err := tx.Exec(ctx, "ALTER TABLE "+l.target+" ADD COLUMN IF NOT EXISTS "+d); err != nil {
				return err
			}
		}
		return nil
	}
	var defs []string
	if l.req.Schema != nil {
		if defs, err = columnDefs(l.req.Schema, true); err != nil {
			return err
		}
	} else {
		for _, c := range staging {
			defs = append(defs, ident(c.Name)+" "+c.Native)
		}
	}
	defs = append(defs, ldefs...)
	if pk := primaryKeyDef(l.req.CreatedKey()); pk != "" {
		defs = append(defs, pk)
	}
	_, err = tx.Exec(ctx, "CREATE TABLE "+l.target+" ("+strings.Join(defs, ", ")+")")
	return err
}

// apply moves staging rows into the target according to the mode.
func (l *load) apply(ctx context.Context, tx pgx.Tx, names []string) (sdk.CommitResult, error) {
	var res sdk.CommitResult
	lcols, lvals, args := l.lineageCols()
	into := identList(append(slices.Clone(names), lcols...))
	sel := strings.Join(append(identSlice(names), lvals...), ", ")
	insert := "INSERT INTO " + l.target + " (" + into + ") SELECT " + sel + " FROM " + l.staging
	switch l.req.Mode {
	case sdk.ModeReplace:
		return l.applyReplace(ctx, tx, insert, args)
	case sdk.ModePartitionReplace:
		return l.applyPartitionReplace(ctx, tx, insert, args)
	case sdk.ModeSnapshotDiff:
		return l.applySnapshotDiff(ctx, tx, names)
	case sdk.ModeSCD2:
		return l.applySCD2(ctx, tx, names)
	case sdk.ModeFullRefresh, sdk.ModeAppend:
		if l.req.Mode == sdk.ModeFullRefresh {
			if _, err := tx.Exec(ctx, "TRUNCATE "+l.target); err != nil {
				return res, err
			}
		}
		tag, err := tx.Exec(ctx, insert, args...)
		if err != nil {
			return res, err
		}
		res.RowsInserted = tag.RowsAffected()
	case sdk.ModeMerge:
		keys := identList(l.req.UniqueKey)
		var sets []string
		for _, c := range append(slices.Clone(names), lcols...) {
			if !slices.Contains(l.req.UniqueKey, c) {
				sets = append(sets, ident(c)+" = EXCLUDED."+ident(c))
			}
		}
		action := "DO NOTHING"
		if len(sets) > 0 {
			action = "DO UPDATE SET " + strings.Join(sets, ", ")
		}
		// The last staged row of a key wins (staging is append-only).
		q := "WITH up AS (INSERT INTO " + l.target + " (" + into + ") SELECT DISTINCT ON (" + keys + ") " + sel +
			" FROM " + l.staging + " ORDER BY " + keys + ", ctid DESC ON CONFLICT (" + keys + ") " + action +
			" RETURNING (xmax = 0) AS inserted) SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up"
		if err := tx.QueryRow(ctx, q, args...).Scan(&res.RowsInserted, &res.RowsUpdated); err != nil {
			return res, err
		}
	}
	return res, nil
}

func identSlice(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = ident(n)
	}
	return out
}

func identList(names []string) string { return strings.Join(identSlice(names), ", ") }

// regclassExists reports whether a qualified relation exists.
func regclassExists(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, name string) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", name).Scan(&ok)
	return ok, err
}

// tableColumns lists a table's columns (none when it does not exist).
func tableColumns(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, schema, name string) ([]pgColumn, error) {
	rows, err := q.Query(ctx, `
SELECT a.attname, a.atttypid, a.atttypmod, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE 0 END
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`, qualified(schema, name))
	if err != nil {
		return nil, err
	}
	var cols []pgColumn
	var c pgColumn
	_, err = pgx.ForEachRow(rows, []any{&c.Name, &c.OID, &c.Typmod, &c.Native, &c.NotNull, &c.ElemOID}, func() error {
		cols = append(cols, c)
		return nil
	})
	return cols, err
}

// LoadStatus is committed when the receipt exists, staged when staging
// exists, else unknown. With a fence it first raises the unit's fence
// (see takeOver), so the answer cannot change under the caller.
func (c *Connector) LoadStatus(ctx context.Context, req sdk.LoadRequest) (sdk.LoadState, error) {
	l, err := resolveLoad(req, false)
	if err != nil {
		return 0, err
	}
	conn, err := connect(ctx, req.Config)
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := l.takeOver(ctx, conn); err != nil {
		return 0, classify(fmt.Errorf("load status %s: raise the fence of unit %s: %w", req.LoadID, req.Fence, err))
	}
	var hasReceipts, staged, committed bool
	err = conn.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL, to_regclass($2) IS NOT NULL", l.receipts(), l.staging).Scan(&hasReceipts, &staged)
	if err == nil && hasReceipts {
		err = conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+l.receipts()+" WHERE load_id = $1)", req.LoadID).Scan(&committed)
	}
	if err != nil {
		return 0, classify(fmt.Errorf("load status %s: %w", req.LoadID, err))
	}
	switch {
	case committed:
		return sdk.LoadCommitted, nil
	case staged:
		return sdk.LoadStaged, nil
	}
	return sdk.LoadUnknown, nil
}
