package state

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"testing"
)

// pgStorage creates a database of its own per test, so packages testing in
// parallel against one server do not collide, and drops it afterwards.
func pgStorage(t *testing.T) opener {
	dbDSN := pgDatabase(t)
	return func() (Store, error) {
		s, err := OpenPostgres(context.Background(), dbDSN)
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() { s.Close() })
		return s, nil
	}
}

// pgDatabase creates a database for one test (dropped afterwards) and
// returns its DSN.
func pgDatabase(t *testing.T) string {
	dsn := os.Getenv("DPONE_TEST_PG_DSN")
	if dsn == "" {
		t.Skip("DPONE_TEST_PG_DSN not set: run via make test")
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	name := "dpone_state_test_" + randomHex(6)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	dbDSN := u.String()
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	return dbDSN
}

func skipWithoutPG(t *testing.T) {
	if os.Getenv("DPONE_TEST_PG_DSN") == "" {
		t.Skip("DPONE_TEST_PG_DSN not set: run via make test")
	}
}

func TestPostgres(t *testing.T) {
	skipWithoutPG(t)
	testStore(t, pgStorage)
}

func TestPostgresSchema(t *testing.T) {
	skipWithoutPG(t)
	s := pgStorage(t).must(t)
	b := base(t, s)
	var tables []string
	rows, err := b.db.Query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'dpone_state' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	got, want := fmt.Sprint(tables), "[backfill_chunks backfills checkpoints events loads locks runs schema_migrations]"
	if got != want {
		t.Errorf("dpone_state tables: got %s, want %s", got, want)
	}
}
