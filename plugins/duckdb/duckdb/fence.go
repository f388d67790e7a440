package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/dpone-go/dpone/sdk"
)

// The sink fences loads (sdk.Fence): <schema>._dpone_fences keeps, per
// manifest and unit, the highest lock generation seen; receipts name the
// manifest and unit that committed them. Callers hold database.ddl, so
// the checks and the commit never interleave within the file (and DuckDB
// lets one process write a file at a time).

const fencesTable = "_dpone_fences"

// ensureFenceTables creates the receipts and fences tables and adds the
// manifest and unit columns to receipts made by an older plugin.
func (l *load) ensureFenceTables(ctx context.Context, tx *sql.Tx) error {
	if err := l.ensureReceipts(ctx, tx); err != nil {
		return err
	}
	q := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (manifest VARCHAR NOT NULL, unit VARCHAR NOT NULL,
		generation BIGINT NOT NULL, updated_at TIMESTAMP NOT NULL, PRIMARY KEY (manifest, unit))`, qualified(l.schema, fencesTable))
	if _, err := tx.ExecContext(ctx, q); err != nil {
		return classify(fmt.Errorf("create %s.%s: %w", l.schema, fencesTable, err))
	}
	for _, col := range []string{"manifest", "unit"} {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_columns()
			WHERE database_name = current_database() AND schema_name = ? AND table_name = ? AND column_name = ?`,
			l.schema, receiptsTable, col).Scan(&n)
		if err != nil {
			return classify(fmt.Errorf("look up %s.%s: %w", l.schema, receiptsTable, err))
		}
		if n > 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s VARCHAR DEFAULT ''", qualified(l.schema, receiptsTable), col)); err != nil {
			return classify(fmt.Errorf("add %s to %s.%s: %w", col, l.schema, receiptsTable, err))
		}
	}
	return nil
}

// raiseFence raises the unit's fence to the request's generation and
// fails when the fence is higher already: a newer holder of the unit's
// lock has been here. Without a fence in the request it does nothing.
func (l *load) raiseFence(ctx context.Context, tx *sql.Tx) error {
	f := l.req.Fence
	if !f.Set() {
		return nil
	}
	var cur int64
	err := tx.QueryRowContext(ctx, fmt.Sprintf(`INSERT INTO %s (manifest, unit, generation, updated_at) VALUES (?, ?, ?, now()::TIMESTAMP)
		ON CONFLICT (manifest, unit) DO UPDATE SET generation = greatest(generation, excluded.generation), updated_at = excluded.updated_at
		RETURNING generation`, qualified(l.schema, fencesTable)), f.Manifest, f.Unit, f.Generation).Scan(&cur)
	if err != nil {
		return classify(fmt.Errorf("raise the fence of unit %s: %w", f, err))
	}
	if cur > f.Generation {
		return f.StaleError(l.req.LoadID, cur)
	}
	return nil
}

// checkSharedTarget refuses a target whose receipts name another manifest
// or unit, unless the load's unit set shared_target.
func (l *load) checkSharedTarget(ctx context.Context, tx *sql.Tx) error {
	f := l.req.Fence
	if f.Manifest == "" || f.SharedTarget {
		return nil
	}
	target := l.schema + "." + l.req.Target.Name
	var m, u string
	err := tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT manifest, unit FROM %s
		WHERE target = ? AND coalesce(manifest, '') <> '' AND (manifest <> ? OR unit <> ?) LIMIT 1`, qualified(l.schema, receiptsTable)),
		target, f.Manifest, f.Unit).Scan(&m, &u)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return classify(fmt.Errorf("read receipts of %s: %w", target, err))
	}
	return f.SharedTargetError(target, m, u)
}

// fenceForBegin is BeginLoad's part: the tables, the fence raised, the
// target checked for another writer.
func (l *load) fenceForBegin(ctx context.Context, tx *sql.Tx) error {
	if err := l.ensureFenceTables(ctx, tx); err != nil {
		return err
	}
	if err := l.raiseFence(ctx, tx); err != nil {
		return err
	}
	return l.checkSharedTarget(ctx, tx)
}

// takeOver raises the unit's fence for LoadStatus with a newer generation
// (a run recovering the load), so any older holder's later commit fails.
// A schema without receipts holds nothing to fence.
func (c *Connector) takeOver(ctx context.Context, d *database, req sdk.LoadRequest) error {
	if !req.Fence.Set() {
		return nil
	}
	l := &load{req: req, db: d, schema: namespace(req.Target)}
	d.ddl.Lock()
	defer d.ddl.Unlock()
	ok, err := tableExists(ctx, d.db, l.schema, receiptsTable)
	if err != nil || !ok {
		return err
	}
	return d.tx(ctx, func(tx *sql.Tx) error {
		if err := l.ensureFenceTables(ctx, tx); err != nil {
			return err
		}
		err := l.raiseFence(ctx, tx)
		if sdk.CodeOf(err) == sdk.CodeConfig {
			return nil // an even newer run took over: report the status all the same
		}
		return err
	})
}
