package postgres

import (
	"context"
	"testing"

	"github.com/dpone-go/dpone/sdk/cursortest"
)

// cursorFixture is the column strategy's test table in this package's
// database, written through pgx.
func cursorFixture(t *testing.T) cursortest.Fixture {
	cfg, conn := testDB(t)
	return cursortest.Fixture{Source: New().(*Connector), Config: cfg, Namespace: "public",
		Exec: func(ctx context.Context, sql string) error {
			_, err := conn.Exec(ctx, sql)
			return err
		}}
}

// TestCursorTies: updates onto the checkpoint's cursor value with smaller
// keys, late inserts at it and NULL to value are all read, none twice.
func TestCursorTies(t *testing.T) { cursortest.Ties(t, cursorFixture(t)) }

// TestCursorTieCap: past tie_cap the tie group is read again, never lost.
func TestCursorTieCap(t *testing.T) { cursortest.TieCap(t, cursorFixture(t)) }

// TestCursorRandomized: seeded random rounds (DPONE_CURSOR_SEED,
// DPONE_CURSOR_ROUNDS); run with -v for the numbers.
func TestCursorRandomized(t *testing.T) { cursortest.Randomized(t, cursorFixture(t)) }
