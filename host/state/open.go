package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"               // registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"
)

// DefaultSQLitePath is where the SQLite state lives unless told otherwise.
const DefaultSQLitePath = ".dpone/state.db"

// SQLite is the embedded Store: one file, WAL journal, a busy timeout so
// several processes can share it.
type SQLite struct{ *sqlStore }

// Postgres is the shared Store in the dpone_state schema of a PostgreSQL
// database.
type Postgres struct{ *sqlStore }

var (
	_ Store = (*SQLite)(nil)
	_ Store = (*Postgres)(nil)
)

// OpenSQLite opens (creating the file and its directory when missing) and
// migrates the SQLite state at path ("" means DefaultSQLitePath). The
// directory is created 0700 and the files are kept 0600 (a directory
// named .dpone made by an older dpone is tightened to 0700 too). Commits
// are synchronous=FULL: a committed state change survives a power loss,
// so state never falls behind a target that committed.
func OpenSQLite(path string) (*SQLite, error) {
	return openSQLite(path, "FULL")
}

// openSQLite opens with a given synchronous mode (benchmarks compare them).
func openSQLite(path, synchronous string) (*SQLite, error) {
	if path == "" {
		path = DefaultSQLitePath
	}
	if err := privateFiles(path); err != nil {
		return nil, fmt.Errorf("open sqlite state %s: %w", path, err)
	}
	q := url.Values{}
	q.Set("_busy_timeout", "30000")
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", synchronous)
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite state %s: %w", path, err)
	}
	s := newSQLStore(db, &sqliteDialect)
	// A connection switching a brand-new file to WAL can get SQLITE_BUSY
	// without the busy handler running when other processes open the same
	// file at that moment; once the file is in WAL mode this does not
	// happen, so a few retries settle it.
	for attempt := 1; ; attempt++ {
		err = migrate(context.Background(), db, s.d, s.now())
		if err == nil || !sqliteBusy(err) || attempt == 50 {
			break
		}
		time.Sleep(time.Duration(attempt) * 10 * time.Millisecond)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite state %s: %w", path, err)
	}
	return &SQLite{s}, nil
}

// privateFiles creates the state's directory (0700) and file (0600) when
// missing, and makes existing ones private: state names connections,
// targets and runs. SQLite creates -wal and -shm with the database file's
// mode.
func privateFiles(path string) error {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	}
	// Tightening what exists is best effort: a state shared through a
	// group (files owned by another user) still opens.
	if filepath.Base(dir) == ".dpone" {
		_ = os.Chmod(dir, 0o700)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		_ = os.Chmod(p, 0o600)
	}
	return nil
}

// sqliteBusy reports whether err is SQLITE_BUSY (any extended code).
func sqliteBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// OpenPostgres connects to dsn and migrates the dpone_state schema.
func OpenPostgres(ctx context.Context, dsn string) (*Postgres, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres state: %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres state: %w", err)
	}
	s := newSQLStore(db, &postgresDialect)
	if err := migrate(ctx, db, s.d, s.now()); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres state: %w", err)
	}
	return &Postgres{s}, nil
}

// Open opens a Store by backend name: "sqlite" (pathOrDSN is a file path,
// "" for the default) or "postgres" (pathOrDSN is a DSN).
func Open(ctx context.Context, backend, pathOrDSN string) (Store, error) {
	switch backend {
	case "", "sqlite":
		return OpenSQLite(pathOrDSN)
	case "postgres", "postgresql":
		if pathOrDSN == "" {
			return nil, fmt.Errorf("open postgres state: empty DSN (set the state dsn)")
		}
		return OpenPostgres(ctx, pathOrDSN)
	default:
		return nil, fmt.Errorf("open state: unknown backend %q (want sqlite or postgres)", backend)
	}
}
