package state

import (
	"fmt"
	"strings"
	"time"
)

// dialect holds what differs between the SQL backends. Queries are written
// once with $N placeholders (SQLite accepts them too) and {s} where the
// schema prefix goes.
type dialect struct {
	name string
	// prefix qualifies table names ("" or "dpone_state.").
	prefix string
	// types replaces {ts}, {blob}, {serial} in DDL.
	types map[string]string
	// preamble runs in the migration transaction before anything else.
	preamble []string
	// forUpdate is appended to SELECTs that lock a row in a transaction.
	forUpdate string
	// ts converts a time for a query argument (zero time → NULL).
	ts func(time.Time) any
	// greatest is the SQL function of the larger of two values.
	greatest string
	// vacuum rewrites storage so that rewritten rows leave no old copies.
	vacuum []string
}

// sqliteTime is a fixed-width UTC layout, so stored times compare as text.
const sqliteTime = "2006-01-02T15:04:05.000000Z"

var sqliteDialect = dialect{
	name:   "sqlite",
	prefix: "",
	types: map[string]string{
		"{ts}":     "TEXT",
		"{blob}":   "BLOB",
		"{serial}": "INTEGER PRIMARY KEY AUTOINCREMENT",
	},
	greatest: "MAX",
	vacuum:   []string{"VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"},
	ts: func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.UTC().Truncate(time.Microsecond).Format(sqliteTime)
	},
}

// pgMigrationLock is the advisory lock key that serializes migrations.
const pgMigrationLock = 0x64706f6e65 // "dpone"

var postgresDialect = dialect{
	name:   "postgres",
	prefix: "dpone_state.",
	types: map[string]string{
		"{ts}":     "timestamptz",
		"{blob}":   "bytea",
		"{serial}": "bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
	},
	preamble: []string{
		fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", pgMigrationLock),
		"CREATE SCHEMA IF NOT EXISTS dpone_state",
	},
	forUpdate: " FOR UPDATE",
	greatest:  "GREATEST",
	vacuum:    []string{"VACUUM FULL dpone_state.loads"},
	ts: func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.UTC().Truncate(time.Microsecond)
	},
}

// q renders a query for the dialect.
func (d *dialect) q(sql string) string {
	sql = strings.ReplaceAll(sql, "{s}", d.prefix)
	for k, v := range d.types {
		sql = strings.ReplaceAll(sql, k, v)
	}
	return sql
}

// scanTime scans a nullable time stored as timestamptz or fixed-width text.
type scanTime struct{ t *time.Time }

func (s scanTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*s.t = time.Time{}
	case time.Time:
		*s.t = x.UTC()
	case string:
		return s.parse(x)
	case []byte:
		return s.parse(string(x))
	default:
		return fmt.Errorf("scan time: unsupported %T", v)
	}
	return nil
}

func (s scanTime) parse(v string) error {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return fmt.Errorf("scan time: %w", err)
	}
	*s.t = t.UTC()
	return nil
}

// scanBlob scans a nullable blob; empty and NULL both become nil.
type scanBlob struct{ b *[]byte }

func (s scanBlob) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*s.b = nil
	case []byte:
		*s.b = cloneBlob(x)
	case string:
		*s.b = cloneBlob([]byte(x))
	default:
		return fmt.Errorf("scan blob: unsupported %T", v)
	}
	return nil
}

func cloneBlob(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}

// blobArg passes nil for an empty blob so it is stored as NULL.
func blobArg(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// textArg passes nil for an empty JSON text so it is stored as NULL.
func textArg(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}
