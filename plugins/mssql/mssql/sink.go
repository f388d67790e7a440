package mssql

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	mssqldb "github.com/microsoft/go-mssqldb"

	"github.com/dpone-go/dpone/sdk"
)

// BeginLoad creates the target schema, the receipts table and the load's
// staging heap (named after the load id, so a restarted plugin finds it).
// It is idempotent.
func (c *Connector) BeginLoad(ctx context.Context, req sdk.LoadRequest) (string, error) {
	l, err := resolveLoad(req, true)
	if err != nil {
		return "", err
	}
	stg, err := l.stagingDDL()
	if err != nil {
		return "", err
	}
	db, err := open(ctx, req.Config)
	if err != nil {
		return "", err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, l.ensureSchemaSQL()); err != nil {
		return "", classify(fmt.Errorf("begin load %s: %w", req.LoadID, err))
	}
	if err := inTx(ctx, db, func(tx *sql.Tx) error {
		for _, q := range []string{l.lockSQL(), l.receiptsDDL()} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		if err := l.fenceForBegin(ctx, tx); err != nil {
			return err
		}
		if l.req.Mode == sdk.ModeFullRefresh {
			swap, err := l.swapStaging(ctx, tx)
			if err != nil {
				return err
			}
			if swap != "" {
				stg = swap
			}
		}
		_, err := tx.ExecContext(ctx, stg)
		return err
	}); err != nil {
		return "", classify(fmt.Errorf("begin load %s: %w", req.LoadID, err))
	}
	return l.staging, nil
}

// swapStaging returns the DDL of a staging table shaped for a swap into
// the target, or "" when the target cannot be swapped (then the caller
// creates the usual staging heap, and the commit inserts).
func (l *load) swapStaging(ctx context.Context, tx *sql.Tx) (string, error) {
	ti, err := readTarget(ctx, tx, l.targetInfoSQL())
	if err != nil {
		return "", err
	}
	var reason string
	if err := tx.QueryRowContext(ctx, l.swapBlockerSQL()).Scan(&reason); err != nil || reason != "" {
		return "", err
	}
	defs, reason, err := l.swapShape(ti)
	if err != nil || reason != "" {
		return "", err
	}
	return l.swapStagingDDL(defs), nil
}

// inTx runs fn in a transaction, committed when fn succeeds.
func inTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// bulkOptions are the TDS bulk options of a load's sink.options.
func (l *load) bulkOptions() mssqldb.BulkOptions {
	o := mssqldb.BulkOptions{Tablock: true, KeepNulls: true, CheckConstraints: l.opts.CheckConstraints, KilobytesPerBatch: 4096}
	if l.opts.Tablock != nil {
		o.Tablock = *l.opts.Tablock
	}
	if l.opts.KeepNulls != nil {
		o.KeepNulls = *l.opts.KeepNulls
	}
	return o
}

// Write bulk-copies the records into staging through go-mssqldb's TDS bulk
// load (one INSERT BULK per Write, rows streamed; the server commits every
// KILOBYTES_PER_BATCH). Values are converted by bulkValue.
func (c *Connector) Write(ctx context.Context, req sdk.LoadRequest, records sdk.RecordReader) (sdk.WriteResult, error) {
	l, err := resolveLoad(req, false)
	if err != nil {
		return sdk.WriteResult{}, err
	}
	first, err := records.Next()
	if errors.Is(err, io.EOF) {
		return sdk.WriteResult{}, nil
	}
	if err != nil {
		return sdk.WriteResult{}, err
	}
	fields := first.Schema().Fields()
	db, err := open(ctx, req.Config)
	if err != nil {
		return sdk.WriteResult{}, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return sdk.WriteResult{}, classify(err)
	}
	defer conn.Close()
	// A staging prepared for a swap has the lineage columns: the bulk copy
	// fills them, so the commit renames instead of copying.
	stg, err := readTarget(ctx, conn, l.columnsSQL(sdk.StagingName(req.LoadID)))
	if err != nil {
		return sdk.WriteResult{}, classify(fmt.Errorf("write load %s: read staging %s: %w", req.LoadID, l.staging, err))
	}
	lnames, lvals, err := l.stagingLineage(stg)
	if err != nil {
		return sdk.WriteResult{}, err
	}
	st, err := conn.PrepareContext(ctx, mssqldb.CopyIn(l.staging, l.bulkOptions(), append(names(fields), lnames...)...))
	if err != nil {
		return sdk.WriteResult{}, classify(fmt.Errorf("write load %s: bulk copy into %s: %w", req.LoadID, l.staging, err))
	}
	defer st.Close()
	var res sdk.WriteResult
	row := make([]any, len(fields)+len(lvals))
	copy(row[len(fields):], lvals)
	for rec := first; ; {
		for i := 0; i < int(rec.NumRows()); i++ {
			for j, f := range fields {
				if row[j], err = bulkValue(f, rec.Column(j), i); err != nil {
					return res, err
				}
			}
			if _, err := st.ExecContext(ctx, row...); err != nil {
				return res, classify(fmt.Errorf("write load %s: %w", req.LoadID, err))
			}
		}
		res.Rows += rec.NumRows()
		res.Bytes += recordBytes(rec)
		next, err := records.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, err
		}
		if !next.Schema().Equal(first.Schema()) {
			return res, sdk.Errorf(sdk.CodeSchema, "mssql sink: write load %s: a record's schema differs from the first record's", req.LoadID)
		}
		rec = next
	}
	if _, err := st.ExecContext(ctx); err != nil {
		return res, classify(fmt.Errorf("write load %s: finish bulk copy: %w", req.LoadID, err))
	}
	return res, nil
}

// CommitLoad publishes staging into the target in one transaction: lock
// the target (sp_getapplock), skip when the receipt exists (idempotent),
// create the target when absent, apply the mode, insert the receipt and
// drop staging.
func (c *Connector) CommitLoad(ctx context.Context, req sdk.LoadRequest, receipt json.RawMessage) (sdk.CommitResult, error) {
	l, err := resolveLoad(req, true)
	if err != nil {
		return sdk.CommitResult{}, err
	}
	db, err := open(ctx, req.Config)
	if err != nil {
		return sdk.CommitResult{}, err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return sdk.CommitResult{}, classify(err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	res, err := l.commit(ctx, tx, receiptJSON(receipt))
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return sdk.CommitResult{}, classify(fmt.Errorf("commit load %s into %s: %w", req.LoadID, l.target, err))
	}
	return res, nil
}

func (l *load) commit(ctx context.Context, tx *sql.Tx, receipt string) (sdk.CommitResult, error) {
	var res sdk.CommitResult
	if _, err := tx.ExecContext(ctx, l.lockSQL()); err != nil {
		return res, err
	}
	if _, err := tx.ExecContext(ctx, l.receiptsDDL()); err != nil {
		return res, err
	}
	if _, err := tx.ExecContext(ctx, l.fencesDDL()); err != nil {
		return res, err
	}
	var done int
	rs := l.receiptExistsSQL()
	if err := tx.QueryRowContext(ctx, rs.SQL, args(rs.Args)...).Scan(&done); err != nil {
		return res, err
	}
	if done > 0 {
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
	var staged any
	if err := tx.QueryRowContext(ctx, "SELECT OBJECT_ID("+l.objectName(sdk.StagingName(l.req.LoadID))+", N'U')").Scan(&staged); err != nil {
		return res, err
	}
	if staged == nil {
		return res, sdk.Errorf(sdk.CodeNotFound, "staging table %s not found: the load was aborted or never begun; rerun the unit", l.staging)
	}
	ti, err := readTarget(ctx, tx, l.targetInfoSQL())
	if err != nil {
		return res, err
	}
	if l.req.Mode == sdk.ModePartitionReplace && ti.Exists {
		if ti.Partitioning, err = l.readPartitioning(ctx, tx); err != nil {
			return res, err
		}
	}
	for _, f := range l.loadedFields() {
		if i := slices.IndexFunc(ti.Columns, func(c column) bool { return c.Name == f.Name }); i >= 0 {
			if note := targetLoss(ti.Columns[i], f); note != "" {
				logInfo("lossy: "+note, "target", l.targetKey, "load_id", l.req.LoadID)
			}
		}
	}
	var stmts []stmt
	path := ""
	if l.req.Mode == sdk.ModeFullRefresh {
		reason, err := l.swapPath(ctx, tx, ti)
		if err != nil {
			return res, err
		}
		if path = pathSwap; reason != "" {
			path = pathTruncate
			logInfo("full_refresh publishes by "+pathTruncate, "target", l.targetKey, "load_id", l.req.LoadID, "reason", reason)
		} else {
			logInfo("full_refresh publishes by "+pathSwap, "target", l.targetKey, "load_id", l.req.LoadID)
			stmts = l.swapPublish(ti, receipt)
		}
	}
	if path != pathSwap {
		if stmts, err = l.publish(ti, receipt); err != nil {
			return res, err
		}
	}
	for _, s := range stmts {
		a := args(s.Args)
		for i, na := range s.Args {
			if _, ok := na.Value.(rowsPlaceholder); ok {
				a[i] = sql.Named(na.Name, res.RowsInserted+res.RowsUpdated)
			}
		}
		if s.Counts {
			var ins, upd, del int64
			if err := tx.QueryRowContext(ctx, s.SQL, a...).Scan(&ins, &upd, &del); err != nil {
				return res, err
			}
			res.RowsInserted += ins
			res.RowsUpdated += upd
			res.RowsDeleted += del
			continue
		}
		if _, err := tx.ExecContext(ctx, s.SQL, a...); err != nil {
			return res, err
		}
	}
	return res, nil
}

// queryer runs a query: a transaction or a connection.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// readTarget reads targetInfoSQL's rows.
func readTarget(ctx context.Context, tx queryer, q string) (targetInfo, error) {
	var ti targetInfo
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return ti, err
	}
	defer rows.Close()
	for rows.Next() {
		var c column
		var ml, prec, scale int
		var ref int
		if err := rows.Scan(&c.Name, &c.Type, &ml, &prec, &scale, &c.Nullable, &c.Identity, &c.Computed, &c.Collation, &ref); err != nil {
			return ti, err
		}
		c.MaxLength, c.Precision, c.Scale = ml, prec, scale
		ti.Columns = append(ti.Columns, c)
		ti.Referenced = ti.Referenced || ref == 1
	}
	ti.Exists = len(ti.Columns) > 0
	return ti, rows.Err()
}

// AbortLoad drops staging; the target is untouched.
func (c *Connector) AbortLoad(ctx context.Context, req sdk.LoadRequest) error {
	l, err := resolveLoad(req, false)
	if err != nil {
		return err
	}
	db, err := open(ctx, req.Config)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, l.dropStagingSQL()); err != nil {
		return classify(fmt.Errorf("abort load %s: %w", req.LoadID, err))
	}
	return nil
}

// LoadStatus is committed when the receipt exists, staged when staging
// exists, else unknown.
func (c *Connector) LoadStatus(ctx context.Context, req sdk.LoadRequest) (sdk.LoadState, error) {
	l, err := resolveLoad(req, false)
	if err != nil {
		return 0, err
	}
	db, err := open(ctx, req.Config)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	if err := l.takeOver(ctx, db); err != nil {
		return 0, classify(fmt.Errorf("load status %s: raise the fence of unit %s/%s: %w", req.LoadID, l.fence().Manifest, l.fence().Unit, err))
	}
	q := l.loadStatusSQL()
	var committed, staged int
	if err := db.QueryRowContext(ctx, q.SQL, args(q.Args)...).Scan(&committed, &staged); err != nil {
		return 0, classify(fmt.Errorf("load status %s: %w", req.LoadID, err))
	}
	switch {
	case committed > 0:
		return sdk.LoadCommitted, nil
	case staged > 0:
		return sdk.LoadStaged, nil
	}
	return sdk.LoadUnknown, nil
}

// loadStatusSQL answers (receipt exists, staging exists) in one batch,
// also when the receipts table does not exist yet.
func (l *load) loadStatusSQL() stmt {
	return stmt{SQL: "DECLARE @c int = 0;\n" +
		"IF OBJECT_ID(" + l.objectName("_dpone_loads") + ", N'U') IS NOT NULL\n" +
		"  EXEC sp_executesql " + literal("SELECT @c = COUNT(*) FROM "+l.receipts+" WHERE load_id = @id") + ", N'@id nvarchar(200), @c int OUTPUT', @id = @load_id, @c = @c OUTPUT;\n" +
		"SELECT @c, CASE WHEN OBJECT_ID(" + l.objectName(sdk.StagingName(l.req.LoadID)) + ", N'U') IS NULL THEN 0 ELSE 1 END;",
		Args: []namedArg{{"load_id", l.req.LoadID}}}
}

func args(in []namedArg) []any {
	out := make([]any, len(in))
	for i, a := range in {
		out[i] = sql.Named(a.Name, a.Value)
	}
	return out
}
