package duckdb

import (
	"context"
	"testing"

	"github.com/dpone-go/dpone/sdk/cursortest"
)

// cursorFixture is the column strategy's test table in a temporary
// database file, written through the connector's own handle.
func cursorFixture(t *testing.T) cursortest.Fixture {
	f := newFixture(t)
	d, err := f.c.openConfig(context.Background(), f.cfg, false)
	if err != nil {
		t.Fatal(err)
	}
	return cursortest.Fixture{Source: f.c, Config: f.cfg, Namespace: "main",
		Exec: func(ctx context.Context, sql string) error {
			_, err := d.db.ExecContext(ctx, sql)
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
