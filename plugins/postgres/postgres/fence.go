package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/dpone-go/dpone/sdk"
)

// The sink fences loads (sdk.Fence): <schema>._dpone_fences keeps, per
// manifest and unit, the highest lock generation seen; receipts name the
// manifest and unit that committed them.

// fences is the qualified fences table of the target's schema.
func (l *load) fences() string { return qualified(l.schema, "_dpone_fences") }

const fencesDDL = `CREATE TABLE IF NOT EXISTS %s (
  manifest text NOT NULL, unit text NOT NULL, generation bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (manifest, unit))`

// ensureFenceTables creates the fences table and adds the manifest and
// unit columns to a receipts table made by an older plugin. Callers hold
// a lock that serialises DDL on the schema or target.
func (l *load) ensureFenceTables(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, fmt.Sprintf(fencesDDL, l.fences())); err != nil {
		return err
	}
	// ALTER TABLE locks the receipts table exclusively (until tx ends,
	// stalling every other commit in the schema) even when the column
	// exists: look first.
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM pg_attribute
		WHERE attrelid = to_regclass($1) AND attname IN ('manifest', 'unit') AND NOT attisdropped`, l.receipts()).Scan(&n)
	if err != nil || n == 2 {
		return err
	}
	for _, q := range []string{
		"ALTER TABLE " + l.receipts() + " ADD COLUMN IF NOT EXISTS manifest text NOT NULL DEFAULT ''",
		"ALTER TABLE " + l.receipts() + " ADD COLUMN IF NOT EXISTS unit text NOT NULL DEFAULT ''",
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// raiseFence raises the unit's fence to the request's generation and
// fails when the fence is higher already: a newer holder of the unit's
// lock has been here. The row stays locked until tx ends, so a commit and
// a takeover never interleave. Without a fence in the request it does
// nothing.
func (l *load) raiseFence(ctx context.Context, tx pgx.Tx) error {
	f := l.req.Fence
	if !f.Set() {
		return nil
	}
	var cur int64
	err := tx.QueryRow(ctx, "INSERT INTO "+l.fences()+` AS f (manifest, unit, generation) VALUES ($1, $2, $3)
		ON CONFLICT (manifest, unit) DO UPDATE SET generation = GREATEST(f.generation, excluded.generation), updated_at = now()
		RETURNING generation`, f.Manifest, f.Unit, f.Generation).Scan(&cur)
	if err != nil {
		return err
	}
	if cur > f.Generation {
		return f.StaleError(l.req.LoadID, cur)
	}
	return nil
}

// checkSharedTarget refuses a target whose receipts name another manifest
// or unit, unless the load's unit set shared_target.
func (l *load) checkSharedTarget(ctx context.Context, tx pgx.Tx) error {
	f := l.req.Fence
	if f.Manifest == "" || f.SharedTarget {
		return nil
	}
	var m, u string
	err := tx.QueryRow(ctx, "SELECT manifest, unit FROM "+l.receipts()+
		" WHERE target = $1 AND manifest <> '' AND (manifest <> $2 OR unit <> $3) LIMIT 1", l.target, f.Manifest, f.Unit).Scan(&m, &u)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.SharedTargetError(l.target, m, u)
}

// fenceForBegin is BeginLoad's part: the tables, the fence raised, the
// target checked for another writer.
func (l *load) fenceForBegin(ctx context.Context, tx pgx.Tx) error {
	if err := l.ensureFenceTables(ctx, tx); err != nil {
		return err
	}
	if err := l.raiseFence(ctx, tx); err != nil {
		return err
	}
	return l.checkSharedTarget(ctx, tx)
}

// takeOver raises the unit's fence for LoadStatus with a newer generation
// (a run recovering the load): it waits for a commit of the target in
// flight, and any older holder's later commit fails. A schema that does
// not exist holds nothing to fence.
func (l *load) takeOver(ctx context.Context, conn *pgx.Conn) error {
	if !l.req.Fence.Set() {
		return nil
	}
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext($1))", "dpone:target:"+l.target); err != nil {
			return err
		}
		ok, err := regclassExists(ctx, tx, l.receipts())
		if err != nil || !ok {
			return err
		}
		if err := l.ensureFenceTables(ctx, tx); err != nil {
			return err
		}
		err = l.raiseFence(ctx, tx)
		if sdk.CodeOf(err) == sdk.CodeConfig {
			// An even newer run took over meanwhile: this one reports the
			// load's status all the same and its own commit will fail.
			return nil
		}
		return err
	})
}
