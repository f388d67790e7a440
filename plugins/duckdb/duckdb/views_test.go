//go:build duckdb_arrow

package duckdb

import (
	"context"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// failingReader yields one record, then an error (a source that broke).
type failingReader struct {
	rec  arrow.RecordBatch
	done bool
}

func (r *failingReader) Schema() *arrow.Schema { return idName }
func (r *failingReader) Next() (arrow.RecordBatch, error) {
	if !r.done {
		r.done = true
		return r.rec, nil
	}
	return nil, errors.New("source broke")
}

func (f *fixture) arrowViews() int64 {
	f.t.Helper()
	return f.rows(`SELECT count(*) FROM duckdb_views() WHERE view_name LIKE '\_dpone\_arrow\_%' ESCAPE '\'`)[0][0].(int64)
}

// TestFailedWriteLeavesNoView: a Write whose input fails mid-stream leaves
// no _dpone_arrow_N view behind, and views left by a crashed plugin are
// dropped when the file is opened again.
func TestFailedWriteLeavesNoView(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	req := f.req("load-1", "t", "incremental_append", idName)
	if _, err := f.c.BeginLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.Write(ctx, req, &failingReader{rec: idNameRecord(t, 1, "a")}); err == nil {
		t.Fatal("Write of a failing reader: got nil error")
	}
	if n := f.arrowViews(); n != 0 {
		t.Errorf("after a failed Write: got %d _dpone_arrow views, want 0", n)
	}
	// A crashed plugin's leftover: a view of the same name in the file.
	f.exec(`CREATE VIEW main._dpone_arrow_424242 AS SELECT 1 AS x`)
	if err := f.c.Close(); err != nil {
		t.Fatal(err)
	}
	f.c = New().(*Connector)
	t.Cleanup(func() { f.c.Close() })
	if _, err := f.c.BeginLoad(ctx, f.req("load-2", "t", "incremental_append", idName)); err != nil {
		t.Fatal(err)
	}
	if n := f.arrowViews(); n != 0 {
		t.Errorf("after reopening: got %d _dpone_arrow views, want 0", n)
	}
}
