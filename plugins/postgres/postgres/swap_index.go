package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// swapVersion is the swap marker's version: 2 stages without indexes and
// builds them at commit.
const swapVersion = 2

// swapLateLineage is the marker's version of a staging table whose lineage
// columns COPY leaves NULL and CommitLoad replaces by columns holding the
// load's constants (swapMarker.LateLineage). A plugin that does not know
// it sends the load down the truncate path, which writes the lineage
// values itself.
const swapLateLineage = 3

// buildIndexes creates on staging every index of the target (oid), the
// primary key, unique and exclusion constraints as constraints, others
// from their definitions; PostgreSQL names them after staging and the swap
// renames them to the target's names. It returns a reason (and builds
// nothing more) when an index definition is not in the form it expects.
func (l *load) buildIndexes(ctx context.Context, tx pgx.Tx, oid uint32) (string, error) {
	var table string
	if err := tx.QueryRow(ctx, "SELECT $1::regclass::text", oid).Scan(&table); err != nil {
		return "", err
	}
	rows, err := tx.Query(ctx, `
SELECT quote_ident(ic.relname), pg_get_indexdef(i.indexrelid), coalesce(pg_get_constraintdef(k.oid), '')
FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x')
WHERE i.indrelid = $1 ORDER BY i.indexrelid`, oid)
	if err != nil {
		return "", err
	}
	var stmts []string
	var name, def, con, reason string
	_, err = pgx.ForEachRow(rows, []any{&name, &def, &con}, func() error {
		if con != "" {
			stmts = append(stmts, "ALTER TABLE "+l.staging+" ADD "+con)
			return nil
		}
		for _, kw := range []string{"CREATE INDEX ", "CREATE UNIQUE INDEX "} {
			if rest, ok := strings.CutPrefix(def, kw+name+" ON "+table+" "); ok {
				stmts = append(stmts, kw+"ON "+l.staging+" "+rest)
				return nil
			}
		}
		if reason == "" {
			reason = "index " + name + " could not be rebuilt on staging (" + def + ")"
		}
		return nil
	})
	if err != nil || reason != "" {
		return reason, err
	}
	for _, q := range stmts {
		if _, err := tx.Exec(ctx, q); err != nil {
			return "", fmt.Errorf("%s: %w", q, err)
		}
	}
	return "", nil
}

// indexBuildMemory is the maintenance_work_mem the commit builds indexes
// and the primary key with (SET LOCAL: this transaction only; a higher
// setting of the role or server stays). At PostgreSQL's default 64MB the
// sort of a 5M-row bigint key spills to disk: measured serially (load
// 30), its primary key took 1.55–1.94 CPU-s at 64MB and 1.42–1.52 at
// 512MB (docs/types/postgres.md).
const indexBuildMemory = "512MB"

// raiseIndexMemory raises maintenance_work_mem to indexBuildMemory for
// the rest of tx.
func raiseIndexMemory(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT set_config('maintenance_work_mem', $1, true)
WHERE pg_size_bytes(current_setting('maintenance_work_mem')) < pg_size_bytes($1)`, indexBuildMemory)
	return err
}
