package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Ledger records the chunks of `dpone backfill`: per stream at most one
// unfinished backfill, its range and chunk size, and each chunk's bounds,
// status, rows, load id, attempts and last error. Both backends implement
// it (find it with a type assertion on a Store). Every write of a running
// backfill is fenced by the unit's lock generation: a holder that lost the
// lock gets ErrLockLost and changes nothing.
type Ledger interface {
	// StartBackfill records b with its chunks, all pending. ErrExists when
	// the stream has an unfinished backfill already (ActiveBackfill).
	StartBackfill(ctx context.Context, b Backfill, f Fence) error
	// ActiveBackfill returns the stream's unfinished backfill (status
	// running or failed) with its chunks, or ErrNotFound.
	ActiveBackfill(ctx context.Context, stream StreamKey) (Backfill, error)
	// Backfills lists the stream's backfills with their chunks, newest
	// first; limit <= 0 means all.
	Backfills(ctx context.Context, stream StreamKey, limit int) ([]Backfill, error)
	// UpdateChunk records a chunk's status, rows, load id, attempts and
	// error.
	UpdateChunk(ctx context.Context, backfillID string, c Chunk, f Fence) error
	// ResumeBackfill marks an unfinished backfill running again, worked
	// on by runID.
	ResumeBackfill(ctx context.Context, backfillID, runID string, f Fence) error
	// FinishBackfill sets a backfill's status (BackfillDone, BackfillFailed
	// or BackfillCancelled) and, for a failure, why.
	FinishBackfill(ctx context.Context, backfillID, status, errMsg string, f Fence) error
}

// Fence ties a ledger write to the unit lock it is made under: the write
// happens only while the lock named Key is still at Generation.
type Fence struct {
	Key        string
	Generation int64
}

// Backfill statuses. A failed backfill is unfinished: the same command
// resumes it.
const (
	BackfillRunning   = "running"
	BackfillDone      = "done"
	BackfillFailed    = "failed"
	BackfillCancelled = "cancelled"
)

// Chunk statuses.
const (
	ChunkPending = "pending"
	ChunkRunning = "running"
	ChunkDone    = "done"
	ChunkFailed  = "failed"
)

// Backfill is one `dpone backfill` of a stream over [From, To) on Column
// in chunks of Chunk.
type Backfill struct {
	ID     string    `json:"id"`
	Stream StreamKey `json:"stream"`
	// Column is the cursor column; Kind is "time" or "integer".
	Column string `json:"column"`
	Kind   string `json:"kind"`
	// From, To and Chunk are the command's --from, --to and --chunk.
	From  string `json:"from"`
	To    string `json:"to"`
	Chunk string `json:"chunk"`
	// RunID is the run that last worked on it.
	RunID     string    `json:"run_id"`
	Status    string    `json:"status"`
	Error     string    `json:"error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Chunks    []Chunk   `json:"chunks"`
}

// Chunk is one slice [Lower, Upper) of a backfill.
type Chunk struct {
	Index    int    `json:"index"`
	Lower    string `json:"lower"`
	Upper    string `json:"upper"`
	Status   string `json:"status"`
	Rows     int64  `json:"rows"`
	LoadID   string `json:"load_id,omitempty"`
	Attempts int    `json:"attempts"`
	Error    string `json:"error,omitempty"`
	// UpdatedAt is the last change (zero: never run).
	UpdatedAt time.Time `json:"updated_at"`
}

var _ Ledger = (*sqlStore)(nil)

// checkFence fails with ErrLockLost unless the lock f names is still at
// its generation; on PostgreSQL it locks the lock's row until tx ends, so
// no takeover lands between the check and the write.
func (s *sqlStore) checkFence(ctx context.Context, tx *sql.Tx, f Fence) error {
	var gen int64
	err := tx.QueryRowContext(ctx, s.q(`SELECT generation FROM {s}locks WHERE unit_key = $1`)+s.d.forUpdate, f.Key).Scan(&gen)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if err != nil || gen != f.Generation {
		return fmt.Errorf("lock %s is no longer at generation %d (another run took the unit over): %w", f.Key, f.Generation, ErrLockLost)
	}
	return nil
}

// StartBackfill implements Ledger.
func (s *sqlStore) StartBackfill(ctx context.Context, b Backfill, f Fence) error {
	now := s.now()
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.checkFence(ctx, tx, f); err != nil {
			return err
		}
		var open int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM {s}backfills WHERE manifest = $1 AND unit = $2 AND status IN ($3, $4)`),
			b.Stream.Manifest, b.Stream.Unit, BackfillRunning, BackfillFailed).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return ErrExists
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO {s}backfills (`+backfillCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '', $11, $11)`),
			b.ID, b.Stream.Manifest, b.Stream.Unit, b.Column, b.Kind, b.From, b.To, b.Chunk, b.RunID, BackfillRunning, s.d.ts(now)); err != nil {
			return err
		}
		for _, c := range b.Chunks {
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO {s}backfill_chunks (backfill_id, idx, lower_bound, upper_bound, status, rows_loaded, load_id, attempts, error, updated_at)
				VALUES ($1, $2, $3, $4, $5, 0, '', 0, '', NULL)`), b.ID, c.Index, c.Lower, c.Upper, ChunkPending); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("start backfill %s of %s: %w", b.ID, b.Stream, err)
	}
	return nil
}

const backfillCols = `id, manifest, unit, column_name, kind, range_from, range_to, chunk, run_id, status, error, created_at, updated_at`

// ActiveBackfill implements Ledger.
func (s *sqlStore) ActiveBackfill(ctx context.Context, stream StreamKey) (Backfill, error) {
	bs, err := s.backfills(ctx, ` AND status IN ('running', 'failed')`, stream, 1)
	if err == nil && len(bs) == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return Backfill{}, fmt.Errorf("active backfill of %s: %w", stream, err)
	}
	return bs[0], nil
}

// Backfills implements Ledger.
func (s *sqlStore) Backfills(ctx context.Context, stream StreamKey, limit int) ([]Backfill, error) {
	bs, err := s.backfills(ctx, "", stream, limit)
	if err != nil {
		return nil, fmt.Errorf("list backfills of %s: %w", stream, err)
	}
	return bs, nil
}

func (s *sqlStore) backfills(ctx context.Context, cond string, stream StreamKey, limit int) ([]Backfill, error) {
	query := s.q(`SELECT ` + backfillCols + ` FROM {s}backfills WHERE manifest = $1 AND unit = $2` + cond + ` ORDER BY created_at DESC, id DESC`)
	if limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := s.db.QueryContext(ctx, query, stream.Manifest, stream.Unit)
	if err != nil {
		return nil, err
	}
	var out []Backfill
	for rows.Next() {
		var b Backfill
		if err := rows.Scan(&b.ID, &b.Stream.Manifest, &b.Stream.Unit, &b.Column, &b.Kind, &b.From, &b.To, &b.Chunk, &b.RunID,
			&b.Status, &b.Error, scanTime{&b.CreatedAt}, scanTime{&b.UpdatedAt}); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Chunks, err = s.chunks(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *sqlStore) chunks(ctx context.Context, id string) ([]Chunk, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT idx, lower_bound, upper_bound, status, rows_loaded, load_id, attempts, error, updated_at
		FROM {s}backfill_chunks WHERE backfill_id = $1 ORDER BY idx`), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Chunk
	for rows.Next() {
		var c Chunk
		if err := rows.Scan(&c.Index, &c.Lower, &c.Upper, &c.Status, &c.Rows, &c.LoadID, &c.Attempts, &c.Error, scanTime{&c.UpdatedAt}); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// UpdateChunk implements Ledger.
func (s *sqlStore) UpdateChunk(ctx context.Context, backfillID string, c Chunk, f Fence) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.checkFence(ctx, tx, f); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`UPDATE {s}backfill_chunks SET status = $1, rows_loaded = $2, load_id = $3, attempts = $4, error = $5, updated_at = $6
			WHERE backfill_id = $7 AND idx = $8`),
			c.Status, c.Rows, c.LoadID, c.Attempts, c.Error, s.d.ts(s.now()), backfillID, c.Index)
		return oneRow(res, err, ErrNotFound)
	})
	if err != nil {
		return fmt.Errorf("update chunk %d of backfill %s: %w", c.Index, backfillID, err)
	}
	return nil
}

// FinishBackfill implements Ledger.
func (s *sqlStore) FinishBackfill(ctx context.Context, backfillID, status, errMsg string, f Fence) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.checkFence(ctx, tx, f); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`UPDATE {s}backfills SET status = $1, error = $2, updated_at = $3 WHERE id = $4`),
			status, errMsg, s.d.ts(s.now()), backfillID)
		return oneRow(res, err, ErrNotFound)
	})
	if err != nil {
		return fmt.Errorf("finish backfill %s: %w", backfillID, err)
	}
	return nil
}

// ResumeBackfill implements Ledger.
func (s *sqlStore) ResumeBackfill(ctx context.Context, backfillID, runID string, f Fence) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.checkFence(ctx, tx, f); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`UPDATE {s}backfills SET status = $1, run_id = $2, error = '', updated_at = $3 WHERE id = $4 AND status IN ($1, $5)`),
			BackfillRunning, runID, s.d.ts(s.now()), backfillID, BackfillFailed)
		return oneRow(res, err, ErrNotFound)
	})
	if err != nil {
		return fmt.Errorf("resume backfill %s: %w", backfillID, err)
	}
	return nil
}
