package state

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Lock implements Store. Lock rows carry a random token so that only the
// handle that took a lock can refresh or release it, and a generation that
// grows with every new holder (fencing: see Lock.Generation). Expiry uses the
// caller's clock: hosts sharing a PostgreSQL store need clocks closer than
// the ttl.
func (s *sqlStore) Lock(ctx context.Context, unitKey, runID string, ttl time.Duration) (Lock, error) {
	if ttl <= 0 {
		return nil, fmt.Errorf("lock %s: ttl must be positive, got %s", unitKey, ttl)
	}
	// A lock released between our insert and our read of the holder is
	// free again: try a few times.
	for range 3 {
		l, err := s.tryLock(ctx, unitKey, runID, ttl)
		if !errors.Is(err, errReleased) {
			return l, err
		}
	}
	return nil, fmt.Errorf("lock %s: holder kept changing, try again", unitKey)
}

var errReleased = errors.New("lock released meanwhile")

func (s *sqlStore) tryLock(ctx context.Context, unitKey, runID string, ttl time.Duration) (Lock, error) {
	token := randomHex(16)
	now := s.now()
	expires := now.Add(ttl)
	// Every new holder gets a generation above every earlier one (lock
	// rows are never deleted, only expired), and at least the clock in
	// microseconds, so a state store created afresh still outnumbers the
	// fences an older store left in the sinks.
	var gen int64
	err := s.db.QueryRowContext(ctx, s.q(`INSERT INTO {s}locks AS lk (unit_key, run_id, token, acquired_at, expires_at, holder, generation)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (unit_key) DO UPDATE SET run_id = excluded.run_id, token = excluded.token,
			acquired_at = excluded.acquired_at, expires_at = excluded.expires_at, holder = excluded.holder,
			generation = `+s.d.greatest+`(lk.generation + 1, excluded.generation)
		WHERE lk.expires_at <= $4 OR lk.run_id = excluded.run_id
		RETURNING generation`),
		unitKey, runID, token, s.d.ts(now), s.d.ts(expires), thisProcess(), now.UnixMicro()).Scan(&gen)
	if errors.Is(err, sql.ErrNoRows) {
		held := ErrLocked{Unit: unitKey}
		var holder, heldToken string
		err := s.db.QueryRowContext(ctx, s.q(`SELECT run_id, acquired_at, expires_at, holder, token FROM {s}locks WHERE unit_key = $1`), unitKey).
			Scan(&held.HeldBy, scanTime{&held.Since}, scanTime{&held.Expires}, &holder, &heldToken)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errReleased
		}
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", unitKey, err)
		}
		if processGone(holder) {
			// The holder died without releasing (kill -9): free its lock.
			if err := s.expireLock(ctx, unitKey, heldToken); err != nil {
				return nil, fmt.Errorf("lock %s: free the lock of dead run %s: %w", unitKey, held.HeldBy, err)
			}
			return nil, errReleased
		}
		return nil, held
	}
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", unitKey, err)
	}
	return &sqlLock{s: s, key: unitKey, runID: runID, token: token, gen: gen, expires: expires.UTC()}, nil
}

// expireLock frees a lock held with token. The row stays, so the next
// holder's generation continues from it.
func (s *sqlStore) expireLock(ctx context.Context, unitKey, token string) error {
	_, err := s.db.ExecContext(ctx, s.q(`UPDATE {s}locks SET token = '', expires_at = $1 WHERE unit_key = $2 AND token = $3`),
		s.d.ts(time.Unix(0, 0)), unitKey, token)
	return err
}

// LockGeneration implements Store.
func (s *sqlStore) LockGeneration(ctx context.Context, unitKey string) (int64, error) {
	var gen int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT generation FROM {s}locks WHERE unit_key = $1`), unitKey).Scan(&gen)
	if err != nil {
		return 0, fmt.Errorf("lock generation of %s: %w", unitKey, notFound(err))
	}
	return gen, nil
}

var errNotTaken = errors.New("lock not taken")

type sqlLock struct {
	s                 *sqlStore
	key, runID, token string
	gen               int64
	mu                sync.Mutex
	expires           time.Time
}

func (l *sqlLock) Key() string       { return l.key }
func (l *sqlLock) RunID() string     { return l.runID }
func (l *sqlLock) Generation() int64 { return l.gen }

func (l *sqlLock) Expires() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.expires
}

func (l *sqlLock) Refresh(ctx context.Context, ttl time.Duration) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	expires := l.s.now().Add(ttl)
	res, err := l.s.db.ExecContext(ctx, l.s.q(`UPDATE {s}locks SET expires_at = $1 WHERE unit_key = $2 AND token = $3`),
		l.s.d.ts(expires), l.key, l.token)
	if err := oneRow(res, err, ErrLockLost); err != nil {
		return fmt.Errorf("refresh lock %s: %w", l.key, err)
	}
	l.expires = expires.UTC()
	return nil
}

func (l *sqlLock) Release(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.s.expireLock(ctx, l.key, l.token); err != nil {
		return fmt.Errorf("release lock %s: %w", l.key, err)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
