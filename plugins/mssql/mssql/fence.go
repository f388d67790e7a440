package mssql

import (
	"context"
	"database/sql"
	"errors"

	"github.com/dpone-go/dpone/sdk"
)

// The sink fences loads: <schema>._dpone_fences keeps, per manifest and
// unit, the highest lock generation seen; receipts name the manifest and
// unit that committed them (see sdk.Fence and docs/guarantees.md).

// fencesDDL creates the fences table and adds the manifest and unit
// columns to a receipts table that lacks them.
func (l *load) fencesDDL() string {
	return "IF OBJECT_ID(" + l.objectName("_dpone_fences") + ", N'U') IS NULL CREATE TABLE " + l.fences() + " (\n" +
		"  manifest nvarchar(400) NOT NULL, unit nvarchar(400) NOT NULL, generation bigint NOT NULL,\n" +
		"  updated_at datetimeoffset(7) NOT NULL DEFAULT SYSDATETIMEOFFSET(), PRIMARY KEY (manifest, unit));\n" +
		"IF COL_LENGTH(" + l.objectName("_dpone_loads") + ", N'manifest') IS NULL ALTER TABLE " + l.receipts + " ADD manifest nvarchar(400) NOT NULL DEFAULT N'';\n" +
		"IF COL_LENGTH(" + l.objectName("_dpone_loads") + ", N'unit') IS NULL ALTER TABLE " + l.receipts + " ADD unit nvarchar(400) NOT NULL DEFAULT N'';"
}

// fences is the quoted fences table of the target's schema.
func (l *load) fences() string {
	q, _ := qualified(l.req.Target.Namespace, "_dpone_fences")
	return q
}

// raiseFenceSQL raises the unit's fence to the request's generation and
// returns the stored one (higher: a newer holder of the unit's lock has
// been here). The row stays update-locked until the transaction ends, so
// a commit and a takeover never interleave.
func (l *load) raiseFenceSQL(f fence) stmt {
	return stmt{SQL: "MERGE " + l.fences() + " WITH (HOLDLOCK) AS f\n" +
		"USING (SELECT @manifest AS manifest, @unit AS unit) AS s ON f.manifest = s.manifest AND f.unit = s.unit\n" +
		"WHEN MATCHED AND f.generation < @generation THEN UPDATE SET generation = @generation, updated_at = SYSDATETIMEOFFSET()\n" +
		"WHEN NOT MATCHED THEN INSERT (manifest, unit, generation) VALUES (@manifest, @unit, @generation);\n" +
		"SELECT generation FROM " + l.fences() + " WITH (UPDLOCK, HOLDLOCK) WHERE manifest = @manifest AND unit = @unit;",
		Args: []namedArg{{"manifest", f.Manifest}, {"unit", f.Unit}, {"generation", f.Generation}}}
}

// otherWriterSQL finds a receipt of the target from another manifest or
// unit.
func (l *load) otherWriterSQL(f fence) stmt {
	return stmt{SQL: "SELECT TOP (1) manifest, unit FROM " + l.receipts +
		" WHERE [target] = @target AND manifest <> N'' AND (manifest <> @manifest OR unit <> @unit);",
		Args: []namedArg{{"target", l.targetKey}, {"manifest", f.Manifest}, {"unit", f.Unit}}}
}

// fence is the host's fence of a load (sdk.Fence); Generation 0: none.
type fence = sdk.Fence

// fence returns the load's fence.
func (l *load) fence() fence { return l.req.Fence }

// raiseFence runs raiseFenceSQL in tx: the stored generation, or a stale
// error when it is higher than the request's.
func (l *load) raiseFence(ctx context.Context, tx *sql.Tx) error {
	f := l.fence()
	if !f.Set() {
		return nil
	}
	s := l.raiseFenceSQL(f)
	var cur int64
	if err := tx.QueryRowContext(ctx, s.SQL, args(s.Args)...).Scan(&cur); err != nil {
		return err
	}
	if cur > f.Generation {
		return f.StaleError(l.req.LoadID, cur)
	}
	return nil
}

// checkSharedTarget refuses a target whose receipts name another manifest
// or unit, unless the load's unit set shared_target.
func (l *load) checkSharedTarget(ctx context.Context, tx *sql.Tx) error {
	f := l.fence()
	if f.Manifest == "" || f.SharedTarget {
		return nil
	}
	s := l.otherWriterSQL(f)
	var m, u string
	err := tx.QueryRowContext(ctx, s.SQL, args(s.Args)...).Scan(&m, &u)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.SharedTargetError(l.target, m, u)
}

// fenceForBegin is BeginLoad's part, in its transaction: the tables, the
// fence raised, the target checked for another writer.
func (l *load) fenceForBegin(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, l.fencesDDL()); err != nil {
		return err
	}
	if err := l.raiseFence(ctx, tx); err != nil {
		return err
	}
	return l.checkSharedTarget(ctx, tx)
}

// takeOver raises the unit's fence for LoadStatus with a newer generation
// (a run recovering the load): it waits for a commit of the target in
// flight (the target lock), and any older holder's later commit fails. A
// schema without receipts holds nothing to fence.
func (l *load) takeOver(ctx context.Context, db *sql.DB) error {
	if !l.fence().Set() {
		return nil
	}
	return inTx(ctx, db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, l.lockSQL()); err != nil {
			return err
		}
		var receipts any
		if err := tx.QueryRowContext(ctx, "SELECT OBJECT_ID("+l.objectName("_dpone_loads")+", N'U')").Scan(&receipts); err != nil || receipts == nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, l.fencesDDL()); err != nil {
			return err
		}
		err := l.raiseFence(ctx, tx)
		if sdk.CodeOf(err) == sdk.CodeConfig {
			// An even newer run took over meanwhile: this one reports the
			// load's status all the same and its own commit will fail.
			return nil
		}
		return err
	})
}
