package state

import (
	"context"
	"fmt"
)

// AbandonDeadRuns implements Store.
func (s *sqlStore) AbandonDeadRuns(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, holder FROM {s}runs WHERE status = $1`), string(RunRunning))
	if err != nil {
		return nil, fmt.Errorf("find abandoned runs: %w", err)
	}
	var dead []string
	for rows.Next() {
		var id, holder string
		if err := rows.Scan(&id, &holder); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find abandoned runs: %w", err)
		}
		if processGone(holder) {
			dead = append(dead, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find abandoned runs: %w", err)
	}
	for _, id := range dead {
		if err := s.AbandonRun(ctx, id, "its process is gone (killed, or the machine stopped) before the run finished"); err != nil {
			return nil, err
		}
	}
	return dead, nil
}

// AbandonRun implements Store.
func (s *sqlStore) AbandonRun(ctx context.Context, runID, reason string) error {
	_, err := s.db.ExecContext(ctx, s.q(`UPDATE {s}runs SET status = $1, finished_at = $2, error = $3 WHERE id = $4 AND status = $5`),
		string(RunAbandoned), s.d.ts(s.now()), "abandoned: "+reason, runID, string(RunRunning))
	if err != nil {
		return fmt.Errorf("mark run %s abandoned: %w", runID, err)
	}
	return nil
}

// Loads implements Store.
func (s *sqlStore) Loads(ctx context.Context, f LoadFilter) ([]Load, error) {
	query := `SELECT ` + loadCols + ` FROM {s}loads WHERE ($1 = '' OR status = $1) AND ($2 = '' OR (manifest = $2 AND unit = $3))
		ORDER BY created_at DESC, id DESC`
	if f.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	var m, u string
	if f.Stream != nil {
		m, u = f.Stream.Manifest, f.Stream.Unit
	}
	rows, err := s.db.QueryContext(ctx, s.q(query), f.Status, m, u)
	if err != nil {
		return nil, fmt.Errorf("list loads: %w", err)
	}
	defer rows.Close()
	var out []Load
	for rows.Next() {
		l, err := scanLoad(rows)
		if err != nil {
			return nil, fmt.Errorf("list loads: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list loads: %w", err)
	}
	return out, nil
}
