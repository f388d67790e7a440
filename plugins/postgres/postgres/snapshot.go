package postgres

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// snapshotLease bounds how long a coordinator transaction waits for the
// partitions of its snapshot to import it.
const snapshotLease = 10 * time.Minute

// snapshots keeps the coordinator transactions of exported snapshots open
// until the partitions that need them have imported them. A snapshot can
// be imported only while the transaction that exported it is open; once a
// partition's transaction has imported it, that transaction holds it on its
// own. So a coordinator ends when its last partition has imported the
// snapshot, or when its lease runs out, or with the process. The zero value
// is ready to use; methods are safe for concurrent use.
type snapshots struct {
	mu sync.Mutex
	m  map[string]*coordinator
}

// coordinator is the open transaction that exported a snapshot.
type coordinator struct {
	conn    *pgx.Conn
	pending int // partitions that have not imported the snapshot yet
	timer   *time.Timer
}

// hold keeps conn (inside the exporting transaction) open until n imports
// or the lease, whichever comes first.
func (s *snapshots) hold(id string, conn *pgx.Conn, n int, lease time.Duration) {
	co := &coordinator{conn: conn, pending: n}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]*coordinator{}
	}
	s.m[id] = co
	co.timer = time.AfterFunc(lease, func() { s.end(id, co) })
}

// imported records that one partition no longer needs the coordinator.
func (s *snapshots) imported(id string) {
	s.mu.Lock()
	co := s.m[id]
	if co == nil {
		s.mu.Unlock()
		return
	}
	co.pending--
	last := co.pending <= 0
	s.mu.Unlock()
	if last {
		s.end(id, co)
	}
}

// open reports whether the coordinator of id is still open.
func (s *snapshots) open(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[id] != nil
}

// end closes the coordinator's connection (ending its transaction) once.
func (s *snapshots) end(id string, co *coordinator) {
	s.mu.Lock()
	if s.m[id] != co {
		s.mu.Unlock()
		return
	}
	delete(s.m, id)
	s.mu.Unlock()
	co.timer.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	co.conn.Close(ctx)
}

// isInvalidSnapshot reports whether err is PostgreSQL refusing a snapshot
// id because its exporting transaction has ended.
func isInvalidSnapshot(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "22023" || pe.Code == "0A000")
}
