package clickhouse

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/dpone-go/dpone/sdk/cursortest"
)

var (
	reTimestamp = regexp.MustCompile(`TIMESTAMP '([^']*)'`)
	reInsert    = regexp.MustCompile(`^INSERT INTO (\S+) VALUES \((-?\d+)(,.*)\)$`)
	reUpdate    = regexp.MustCompile(`^UPDATE (\S+) SET ts = (.*), v = (.*), n = (.*) WHERE id = (-?\d+)$`)
)

// chDialect runs the suite's SQL on ClickHouse: its table is a
// ReplacingMergeTree by id (read with FINAL), so an UPDATE is the insert
// of the row's new version, as ClickHouse sources model updates. The rows
// of one call go in as few INSERTs as keep each id's versions in order;
// transactions are dropped (each INSERT is atomic).
func chDialect(f *fixture) func(ctx context.Context, sql string) error {
	return func(ctx context.Context, sql string) error {
		s, err := f.c.open(ctx, f.cfg)
		if err != nil {
			return err
		}
		run := func(stmt string) error {
			stmt = reTimestamp.ReplaceAllString(stmt, "toDateTime64('$1', 6, 'UTC')")
			return s.conn.Exec(ctx, stmt)
		}
		var table string
		var tuples []string
		ids := map[string]bool{}
		flush := func() error {
			if len(tuples) == 0 {
				return nil
			}
			err := run("INSERT INTO " + table + " SETTINGS async_insert = 0 VALUES " + strings.Join(tuples, ", "))
			tuples, ids = nil, map[string]bool{}
			return err
		}
		for _, stmt := range strings.Split(sql, "; ") {
			stmt = strings.TrimSpace(strings.TrimSuffix(stmt, ";"))
			var id, tuple string
			switch {
			case stmt == "" || stmt == "BEGIN" || stmt == "COMMIT":
				continue
			case strings.HasPrefix(stmt, "UPDATE "):
				m := reUpdate.FindStringSubmatch(stmt)
				if m == nil {
					return fmt.Errorf("chDialect: unknown statement %q", stmt)
				}
				table, id, tuple = m[1], m[5], "("+m[5]+", "+m[2]+", "+m[3]+", "+m[4]+")"
			case strings.HasPrefix(stmt, "INSERT INTO "):
				m := reInsert.FindStringSubmatch(stmt)
				if m == nil {
					return fmt.Errorf("chDialect: unknown statement %q", stmt)
				}
				table, id, tuple = m[1], m[2], "("+m[2]+m[3]+")"
			default:
				if err := flush(); err != nil {
					return err
				}
				if strings.HasPrefix(stmt, "CREATE TABLE ") {
					stmt = "CREATE TABLE " + strings.Fields(stmt)[2] + " (id Int64, ts Nullable(DateTime64(6)), v String, n Int64) ENGINE = ReplacingMergeTree ORDER BY id"
				}
				if strings.HasPrefix(stmt, "DROP TABLE") {
					stmt += " SYNC"
				}
				if err := run(stmt); err != nil {
					return err
				}
				continue
			}
			if ids[id] {
				if err := flush(); err != nil {
					return err
				}
			}
			ids[id] = true
			tuples = append(tuples, tuple)
		}
		return flush()
	}
}

func cursorFixture(t *testing.T) cursortest.Fixture {
	f := newFixture(t)
	return cursortest.Fixture{Source: f.c, Config: f.cfg, Namespace: testDB, Exec: chDialect(f)}
}

// TestCursorTies: no update or insert at the checkpoint's cursor value is
// lost, none read twice (sdk/cursortest).
func TestCursorTies(t *testing.T) { cursortest.Ties(t, cursorFixture(t)) }

// TestCursorTieCap: a tie group past tie_cap is read again, never lost.
func TestCursorTieCap(t *testing.T) { cursortest.TieCap(t, cursorFixture(t)) }

// TestCursorRandomized: seeded random writes between reads.
func TestCursorRandomized(t *testing.T) { cursortest.Randomized(t, cursorFixture(t)) }
