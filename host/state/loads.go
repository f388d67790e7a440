package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

const loadCols = `id, run_id, manifest, unit, target, mode, checkpoint, begin_request, status, reason, created_at, updated_at`

func scanLoad(sc interface{ Scan(...any) error }) (Load, error) {
	var l Load
	err := sc.Scan(&l.ID, &l.RunID, &l.Stream.Manifest, &l.Stream.Unit, &l.Target, &l.Mode,
		scanBlob{&l.Checkpoint}, scanBlob{&l.Begin}, &l.Status, &l.Reason, scanTime{&l.CreatedAt}, scanTime{&l.UpdatedAt})
	return l, err
}

// RecordPending implements Store.
func (s *sqlStore) RecordPending(ctx context.Context, l Load) error {
	now := s.now()
	if l.CreatedAt.IsZero() {
		l.CreatedAt = now
	}
	res, err := s.db.ExecContext(ctx, s.q(`INSERT INTO {s}loads (`+loadCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', $10, $11) ON CONFLICT (id) DO NOTHING`),
		l.ID, l.RunID, l.Stream.Manifest, l.Stream.Unit, l.Target, l.Mode,
		blobArg(l.Checkpoint), blobArg(l.Begin), LoadPending, s.d.ts(l.CreatedAt), s.d.ts(now))
	if err := oneRow(res, err, ErrExists); err != nil {
		return fmt.Errorf("record pending load %s: %w", l.ID, err)
	}
	return nil
}

// SetPendingCheckpoint implements Store.
func (s *sqlStore) SetPendingCheckpoint(ctx context.Context, loadID string, checkpoint []byte) error {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE {s}loads SET checkpoint = $1, updated_at = $2 WHERE id = $3 AND status = $4`),
		blobArg(checkpoint), s.d.ts(s.now()), loadID, LoadPending)
	if err := oneRow(res, err, ErrLoadState); err != nil {
		if _, lerr := s.Load(ctx, loadID); errors.Is(lerr, ErrNotFound) {
			err = ErrNotFound
		}
		return fmt.Errorf("set checkpoint of load %s: %w", loadID, err)
	}
	return nil
}

// Load implements Store.
func (s *sqlStore) Load(ctx context.Context, id string) (Load, error) {
	l, err := scanLoad(s.db.QueryRowContext(ctx, s.q(`SELECT `+loadCols+` FROM {s}loads WHERE id = $1`), id))
	if err != nil {
		return Load{}, fmt.Errorf("load %s: %w", id, notFound(err))
	}
	return l, nil
}

// PendingLoads implements Store.
func (s *sqlStore) PendingLoads(ctx context.Context) ([]Load, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+loadCols+` FROM {s}loads WHERE status = $1 ORDER BY created_at, id`), LoadPending)
	if err != nil {
		return nil, fmt.Errorf("list pending loads: %w", err)
	}
	defer rows.Close()
	var out []Load
	for rows.Next() {
		l, err := scanLoad(rows)
		if err != nil {
			return nil, fmt.Errorf("list pending loads: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list pending loads: %w", err)
	}
	return out, nil
}

// lockedLoad reads a load inside tx, locking its row where the dialect can.
func (s *sqlStore) lockedLoad(ctx context.Context, tx *sql.Tx, id string) (Load, error) {
	l, err := scanLoad(tx.QueryRowContext(ctx, s.q(`SELECT `+loadCols+` FROM {s}loads WHERE id = $1`)+s.d.forUpdate, id))
	return l, notFound(err)
}

func (s *sqlStore) step(name string) error {
	if s.hook == nil {
		return nil
	}
	return s.hook(name)
}

// MarkCommitted implements Store.
func (s *sqlStore) MarkCommitted(ctx context.Context, loadID string) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		l, err := s.lockedLoad(ctx, tx, loadID)
		if err != nil {
			return err
		}
		switch l.Status {
		case LoadCommitted:
			return nil
		case LoadPending:
		default:
			return fmt.Errorf("load is %s: %w", l.Status, ErrLoadState)
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE {s}loads SET status = $1, updated_at = $2 WHERE id = $3`),
			LoadCommitted, s.d.ts(now), loadID); err != nil {
			return err
		}
		if err := s.step("load-updated"); err != nil {
			return err
		}
		if l.Checkpoint == nil {
			return nil
		}
		return s.putCheckpoint(ctx, tx, change{
			kind: EventCommit, stream: l.Stream, state: l.Checkpoint, runID: l.RunID, loadID: l.ID,
		})
	})
	if err != nil {
		return fmt.Errorf("mark load %s committed: %w", loadID, err)
	}
	return nil
}

// MarkAborted implements Store.
func (s *sqlStore) MarkAborted(ctx context.Context, loadID, reason string) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		l, err := s.lockedLoad(ctx, tx, loadID)
		if err != nil {
			return err
		}
		switch l.Status {
		case LoadAborted:
			return nil
		case LoadPending:
		default:
			return fmt.Errorf("load is %s: %w", l.Status, ErrLoadState)
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE {s}loads SET status = $1, reason = $2, updated_at = $3 WHERE id = $4`),
			LoadAborted, reason, s.d.ts(s.now()), loadID)
		return err
	})
	if err != nil {
		return fmt.Errorf("mark load %s aborted: %w", loadID, err)
	}
	return nil
}

// SetCheckpoint implements Store.
func (s *sqlStore) SetCheckpoint(ctx context.Context, stream StreamKey, state []byte, reason string) error {
	kind := EventSet
	if len(state) == 0 {
		kind, state = EventReset, nil
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		return s.putCheckpoint(ctx, tx, change{kind: kind, stream: stream, state: state, reason: reason})
	})
	if err != nil {
		return fmt.Errorf("%s checkpoint %s: %w", kind, stream, err)
	}
	return nil
}

// change is one checkpoint change and its audit event.
type change struct {
	kind          string
	stream        StreamKey
	state         []byte // nil: reset
	runID, loadID string
	reason        string
}

// putCheckpoint upserts (or, for a nil state, deletes) a checkpoint and
// records the event, inside tx.
func (s *sqlStore) putCheckpoint(ctx context.Context, tx *sql.Tx, c change) error {
	var before []byte
	var version int64
	err := tx.QueryRowContext(ctx, s.q(`SELECT state, version FROM {s}checkpoints WHERE manifest = $1 AND unit = $2`)+s.d.forUpdate,
		c.stream.Manifest, c.stream.Unit).Scan(scanBlob{&before}, &version)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	now := s.now()
	if c.state == nil {
		version = 0
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM {s}checkpoints WHERE manifest = $1 AND unit = $2`),
			c.stream.Manifest, c.stream.Unit); err != nil {
			return err
		}
	} else {
		err := tx.QueryRowContext(ctx, s.q(`INSERT INTO {s}checkpoints AS cp (`+checkpointCols+`)
			VALUES ($1, $2, $3, 1, $4, $5, $6)
			ON CONFLICT (manifest, unit) DO UPDATE SET state = excluded.state, version = cp.version + 1,
				updated_at = excluded.updated_at, run_id = excluded.run_id, load_id = excluded.load_id
			RETURNING version`),
			c.stream.Manifest, c.stream.Unit, c.state, s.d.ts(now), c.runID, c.loadID).Scan(&version)
		if err != nil {
			return err
		}
	}
	if err := s.step("checkpoint-updated"); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, s.q(`INSERT INTO {s}events (at, kind, manifest, unit, version, run_id, load_id, state_before, state_after, reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`),
		s.d.ts(now), c.kind, c.stream.Manifest, c.stream.Unit, version, c.runID, c.loadID, blobArg(before), blobArg(c.state), c.reason)
	return err
}

// History implements Store.
func (s *sqlStore) History(ctx context.Context, stream StreamKey, limit int) ([]Event, error) {
	query := s.q(`SELECT id, at, kind, manifest, unit, version, run_id, load_id, state_before, state_after, reason
		FROM {s}events WHERE manifest = $1 AND unit = $2 ORDER BY id DESC`)
	if limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := s.db.QueryContext(ctx, query, stream.Manifest, stream.Unit)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", stream, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.ID, scanTime{&e.At}, &e.Kind, &e.Stream.Manifest, &e.Stream.Unit, &e.Version,
			&e.RunID, &e.LoadID, scanBlob{&e.Before}, scanBlob{&e.After}, &e.Reason); err != nil {
			return nil, fmt.Errorf("history %s: %w", stream, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history %s: %w", stream, err)
	}
	return out, nil
}
