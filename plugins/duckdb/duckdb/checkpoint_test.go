package duckdb

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dpone-go/dpone/sdk"
)

// TestCopiedFileHoldsEveryRow copies only the .duckdb file (not its .wal)
// after each load, with the plugin's database still open, and reads every
// row back from the copy: a load ends with a checkpoint, so the file alone
// is the warehouse.
func TestCopiedFileHoldsEveryRow(t *testing.T) {
	const n = 20000
	for _, tt := range []struct {
		mode string
		keys []string
	}{
		{sdk.ModeFullRefresh, nil},
		{sdk.ModeAppend, nil},
		{sdk.ModeMerge, []string{"id"}},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			f := newFixture(t)
			f.load(f.req("l1", "t", tt.mode, idName, tt.keys...), bigIDNameRecord(t, 0, n))
			assertCopyHolds(t, f.path, n, int64(n-1)*n/2)
			// A second load into the existing target: its rows too.
			f.load(f.req("l2", "t", tt.mode, idName, tt.keys...), bigIDNameRecord(t, n, n))
			rows, sum := int64(n), int64(2*n-1)*int64(2*n)/2-int64(n-1)*n/2
			if tt.mode != sdk.ModeFullRefresh {
				rows, sum = 2*n, int64(2*n-1)*int64(2*n)/2
			}
			assertCopyHolds(t, f.path, rows, sum)
		})
	}
}

// assertCopyHolds copies the database file alone and checks landing.t's
// row count and sum(id) in the copy.
func assertCopyHolds(t *testing.T, path string, rows, sum int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(t.TempDir(), "copy.duckdb")
	if err := os.WriteFile(cp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("duckdb", cp)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var gotRows, gotSum int64
	if err := db.QueryRow(`SELECT count(*), coalesce(sum(id), 0) FROM landing.t`).Scan(&gotRows, &gotSum); err != nil {
		t.Fatalf("read the copied file (%d bytes): %v", len(b), err)
	}
	if gotRows != rows || gotSum != sum {
		t.Errorf("copied file: got %d rows (sum %d), want %d (sum %d)", gotRows, gotSum, rows, sum)
	}
}

// bigIDNameRecord is n rows of (id, name) with ids from first.
func bigIDNameRecord(t *testing.T, first, n int) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(memory.DefaultAllocator, idName)
	defer b.Release()
	for i := first; i < first+n; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("name-%d", i))
	}
	rec := b.NewRecordBatch()
	t.Cleanup(rec.Release)
	return rec
}
