package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// sqlStore implements Store over database/sql for one dialect. SQLite and
// Postgres embed it.
type sqlStore struct {
	db  *sql.DB
	d   *dialect
	now func() time.Time
	// hook, when set by tests, runs between the steps of MarkCommitted;
	// an error rolls the transaction back.
	hook func(step string) error
}

func newSQLStore(db *sql.DB, d *dialect) *sqlStore {
	return &sqlStore{db: db, d: d, now: time.Now}
}

func (s *sqlStore) q(sql string) string { return s.d.q(sql) }

// Close closes the database handle.
func (s *sqlStore) Close() error { return s.db.Close() }

// tx runs fn in a transaction, committing when it returns nil.
func (s *sqlStore) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// StartRun implements Store.
func (s *sqlStore) StartRun(ctx context.Context, r Run) error {
	if r.Status == "" {
		r.Status = string(RunRunning)
	}
	if r.StartedAt.IsZero() {
		r.StartedAt = s.now()
	}
	args, err := json.Marshal(r.Args)
	if err != nil {
		return fmt.Errorf("start run %s: %w", r.ID, err)
	}
	res, err := s.db.ExecContext(ctx, s.q(`INSERT INTO {s}runs (id, manifest, status, started_at, finished_at, args, summary, error, holder)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`),
		r.ID, r.Manifest, r.Status, s.d.ts(r.StartedAt), s.d.ts(r.FinishedAt), string(args), textArg(r.Summary), r.Error, thisProcess())
	if err := oneRow(res, err, ErrExists); err != nil {
		return fmt.Errorf("start run %s: %w", r.ID, err)
	}
	return nil
}

// FinishRun implements Store.
func (s *sqlStore) FinishRun(ctx context.Context, runID string, status RunStatus, finished time.Time, summary []byte, errMsg string) error {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE {s}runs SET status = $1, finished_at = $2, summary = $3, error = $4 WHERE id = $5`),
		string(status), s.d.ts(finished), textArg(summary), errMsg, runID)
	if err := oneRow(res, err, ErrNotFound); err != nil {
		return fmt.Errorf("finish run %s: %w", runID, err)
	}
	return nil
}

const runCols = `id, manifest, status, started_at, finished_at, args, summary, error`

func scanRun(sc interface{ Scan(...any) error }) (Run, error) {
	var r Run
	var args, summary sql.NullString
	if err := sc.Scan(&r.ID, &r.Manifest, &r.Status, scanTime{&r.StartedAt}, scanTime{&r.FinishedAt}, &args, &summary, &r.Error); err != nil {
		return Run{}, err
	}
	if args.Valid && args.String != "" {
		if err := json.Unmarshal([]byte(args.String), &r.Args); err != nil {
			return Run{}, fmt.Errorf("run %s args: %w", r.ID, err)
		}
	}
	if summary.Valid && summary.String != "" {
		r.Summary = []byte(summary.String)
	}
	return r, nil
}

// Runs implements Store.
func (s *sqlStore) Runs(ctx context.Context, limit int) ([]Run, error) {
	query := s.q(`SELECT ` + runCols + ` FROM {s}runs ORDER BY started_at DESC, id DESC`)
	if limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := s.db.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return out, nil
}

// Run implements Store.
func (s *sqlStore) Run(ctx context.Context, id string) (Run, error) {
	r, err := scanRun(s.db.QueryRowContext(ctx, s.q(`SELECT `+runCols+` FROM {s}runs WHERE id = $1`), id))
	if err != nil {
		return Run{}, fmt.Errorf("run %s: %w", id, notFound(err))
	}
	return r, nil
}

const checkpointCols = `manifest, unit, state, version, updated_at, run_id, load_id`

func scanCheckpoint(sc interface{ Scan(...any) error }) (Checkpoint, error) {
	var c Checkpoint
	err := sc.Scan(&c.Stream.Manifest, &c.Stream.Unit, scanBlob{&c.State}, &c.Version, scanTime{&c.UpdatedAt}, &c.RunID, &c.LoadID)
	return c, err
}

// Checkpoint implements Store.
func (s *sqlStore) Checkpoint(ctx context.Context, stream StreamKey) (Checkpoint, error) {
	c, err := scanCheckpoint(s.db.QueryRowContext(ctx, s.q(`SELECT `+checkpointCols+` FROM {s}checkpoints WHERE manifest = $1 AND unit = $2`),
		stream.Manifest, stream.Unit))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint %s: %w", stream, notFound(err))
	}
	return c, nil
}

// Checkpoints implements Store.
func (s *sqlStore) Checkpoints(ctx context.Context) ([]Checkpoint, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+checkpointCols+` FROM {s}checkpoints ORDER BY manifest, unit`))
	if err != nil {
		return nil, fmt.Errorf("list checkpoints: %w", err)
	}
	defer rows.Close()
	var out []Checkpoint
	for rows.Next() {
		c, err := scanCheckpoint(rows)
		if err != nil {
			return nil, fmt.Errorf("list checkpoints: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list checkpoints: %w", err)
	}
	return out, nil
}

// oneRow turns an Exec result that touched no row into errNone.
func oneRow(res sql.Result, err error, errNone error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return errNone
	}
	return nil
}

// notFound maps sql.ErrNoRows to ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
