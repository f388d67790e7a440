package state

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// migration is one numbered schema change. Released migrations are never
// edited; changes go into a new one.
type migration struct {
	version     int
	description string
	stmts       []string
	// fn, when set, runs after stmts in the same transaction.
	fn func(ctx context.Context, tx *sql.Tx, d *dialect) error
	// vacuum asks for a VACUUM after the migration committed, so rows it
	// rewrote leave no old copies in free pages (secrets scrubbed).
	vacuum bool
}

var migrations = []migration{{
	version:     1,
	description: "runs, loads, checkpoints, events, locks",
	stmts: []string{
		`CREATE TABLE {s}runs (
			id TEXT PRIMARY KEY,
			manifest TEXT NOT NULL,
			status TEXT NOT NULL,
			started_at {ts} NOT NULL,
			finished_at {ts},
			args TEXT,
			summary TEXT,
			error TEXT NOT NULL DEFAULT '')`,
		`CREATE INDEX runs_started_at ON {s}runs (started_at)`,
		`CREATE TABLE {s}checkpoints (
			manifest TEXT NOT NULL,
			unit TEXT NOT NULL,
			state {blob},
			version BIGINT NOT NULL,
			updated_at {ts} NOT NULL,
			run_id TEXT NOT NULL DEFAULT '',
			load_id TEXT NOT NULL DEFAULT '',
			PRIMARY KEY (manifest, unit))`,
		`CREATE TABLE {s}loads (
			id TEXT PRIMARY KEY,
			run_id TEXT NOT NULL,
			manifest TEXT NOT NULL,
			unit TEXT NOT NULL,
			target TEXT NOT NULL,
			mode TEXT NOT NULL,
			checkpoint {blob},
			begin_request {blob},
			status TEXT NOT NULL,
			reason TEXT NOT NULL DEFAULT '',
			created_at {ts} NOT NULL,
			updated_at {ts} NOT NULL)`,
		`CREATE INDEX loads_status ON {s}loads (status, created_at)`,
		`CREATE TABLE {s}events (
			id {serial},
			at {ts} NOT NULL,
			kind TEXT NOT NULL,
			manifest TEXT NOT NULL,
			unit TEXT NOT NULL,
			version BIGINT NOT NULL,
			run_id TEXT NOT NULL DEFAULT '',
			load_id TEXT NOT NULL DEFAULT '',
			state_before {blob},
			state_after {blob},
			reason TEXT NOT NULL DEFAULT '')`,
		`CREATE INDEX events_stream ON {s}events (manifest, unit, id)`,
		`CREATE TABLE {s}locks (
			unit_key TEXT PRIMARY KEY,
			run_id TEXT NOT NULL,
			token TEXT NOT NULL,
			acquired_at {ts} NOT NULL,
			expires_at {ts} NOT NULL,
			holder TEXT NOT NULL DEFAULT '')`,
	},
}, {
	version:     2,
	description: "lock generations (fencing), run holders, no resolved configs in load records",
	stmts: []string{
		`ALTER TABLE {s}locks ADD COLUMN generation BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE {s}runs ADD COLUMN holder TEXT NOT NULL DEFAULT ''`,
	},
	fn:     scrubLoadRecords,
	vacuum: true,
}, {
	version:     3,
	description: "backfill ledger (dpone backfill)",
	stmts: []string{
		`CREATE TABLE {s}backfills (
			id TEXT PRIMARY KEY,
			manifest TEXT NOT NULL,
			unit TEXT NOT NULL,
			column_name TEXT NOT NULL,
			kind TEXT NOT NULL,
			range_from TEXT NOT NULL,
			range_to TEXT NOT NULL,
			chunk TEXT NOT NULL,
			run_id TEXT NOT NULL DEFAULT '',
			status TEXT NOT NULL,
			error TEXT NOT NULL DEFAULT '',
			created_at {ts} NOT NULL,
			updated_at {ts} NOT NULL)`,
		`CREATE INDEX backfills_stream ON {s}backfills (manifest, unit, created_at)`,
		`CREATE TABLE {s}backfill_chunks (
			backfill_id TEXT NOT NULL,
			idx INTEGER NOT NULL,
			lower_bound TEXT NOT NULL,
			upper_bound TEXT NOT NULL,
			status TEXT NOT NULL,
			rows_loaded BIGINT NOT NULL DEFAULT 0,
			load_id TEXT NOT NULL DEFAULT '',
			attempts INTEGER NOT NULL DEFAULT 0,
			error TEXT NOT NULL DEFAULT '',
			updated_at {ts},
			PRIMARY KEY (backfill_id, idx))`,
	},
}}

// latestVersion is the schema version this dpone writes.
func latestVersion() int { return migrations[len(migrations)-1].version }

// migrate applies missing migrations in one transaction. Concurrent
// migrators serialize: SQLite transactions begin IMMEDIATE, PostgreSQL
// takes an advisory transaction lock first.
func migrate(ctx context.Context, db *sql.DB, d *dialect, now time.Time) error {
	return migrateTo(ctx, db, d, now, latestVersion())
}

// migrateTo applies the migrations up to version upto (tests build old
// schemas with it), then VACUUMs when a migration asked for it.
func migrateTo(ctx context.Context, db *sql.DB, d *dialect, now time.Time, upto int) error {
	vacuum, err := migrateTx(ctx, db, d, now, upto)
	if err != nil || !vacuum {
		return err
	}
	for _, s := range d.vacuum {
		// Best effort: a role that may not VACUUM keeps the old row
		// versions until autovacuum; the rows themselves are clean.
		_, _ = db.ExecContext(ctx, s)
	}
	return nil
}

func migrateTx(ctx context.Context, db *sql.DB, d *dialect, now time.Time, upto int) (vacuum bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migrate %s state: %w", d.name, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	for _, s := range d.preamble {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return false, fmt.Errorf("migrate %s state: %w", d.name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, d.q(`CREATE TABLE IF NOT EXISTS {s}schema_migrations (
		version INTEGER PRIMARY KEY,
		description TEXT NOT NULL,
		applied_at {ts} NOT NULL)`)); err != nil {
		return false, fmt.Errorf("migrate %s state: %w", d.name, err)
	}
	var cur int
	if err := tx.QueryRowContext(ctx, d.q(`SELECT COALESCE(MAX(version), 0) FROM {s}schema_migrations`)).Scan(&cur); err != nil {
		return false, fmt.Errorf("migrate %s state: %w", d.name, err)
	}
	if cur > latestVersion() {
		return false, fmt.Errorf("migrate %s state: version %d, this dpone knows up to %d: %w", d.name, cur, latestVersion(), ErrSchemaTooNew)
	}
	for _, m := range migrations {
		if m.version <= cur || m.version > upto {
			continue
		}
		for _, s := range m.stmts {
			if _, err := tx.ExecContext(ctx, d.q(s)); err != nil {
				return false, fmt.Errorf("migrate %s state to version %d: %w", d.name, m.version, err)
			}
		}
		if m.fn != nil {
			if err := m.fn(ctx, tx, d); err != nil {
				return false, fmt.Errorf("migrate %s state to version %d: %w", d.name, m.version, err)
			}
		}
		vacuum = vacuum || m.vacuum
		if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO {s}schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)`),
			m.version, m.description, d.ts(now)); err != nil {
			return false, fmt.Errorf("migrate %s state to version %d: %w", d.name, m.version, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migrate %s state: %w", d.name, err)
	}
	return vacuum, nil
}
