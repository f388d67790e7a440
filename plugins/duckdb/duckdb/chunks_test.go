//go:build duckdb_arrow

package duckdb

import (
	"context"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// idRecords makes n records of per rows each, ids counting from 0.
func idRecords(n, per int) []arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, idName)
	defer b.Release()
	var recs []arrow.RecordBatch
	for r := range n {
		for i := range per {
			b.Field(0).(*array.Int64Builder).Append(int64(r*per + i))
			b.Field(1).(*array.StringBuilder).Append("row name that takes some room in the chunk")
		}
		recs = append(recs, b.NewRecordBatch())
	}
	return recs
}

// brokenAfter yields recs, then fails.
type brokenAfter struct{ sliceReader }

func (r *brokenAfter) Next() (arrow.RecordBatch, error) {
	rec, err := r.sliceReader.Next()
	if err != nil {
		return nil, errors.New("source broke")
	}
	return rec, nil
}

// TestWriteInChunks: a Write larger than one staging chunk keeps every row
// in input order (the last staged row of a key wins by rowid), and a Write
// whose input fails after a chunk was inserted leaves staging as it was.
func TestWriteInChunks(t *testing.T) {
	const recs, per = 40, 20_000 // ~34 MiB: several chunks
	all := idRecords(recs, per)
	size := 0
	for _, r := range all {
		size += recordBytes(r)
	}
	if size < 2*stageChunkBytes {
		t.Fatalf("test input is %d bytes, want more than two chunks (%d)", size, 2*stageChunkBytes)
	}
	f := newFixture(t)
	ctx := context.Background()
	req := f.req("chunks", "t", sdk.ModeAppend, idName)
	stg := "landing." + sdk.StagingName(req.LoadID)
	if _, err := f.c.BeginLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	res, err := f.c.Write(ctx, req, &sliceReader{schema: idName, recs: all})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if res.Rows != recs*per {
		t.Errorf("Write rows: got %d, want %d", res.Rows, recs*per)
	}
	got := f.rows(`SELECT count(*), count(*) FILTER (WHERE id <> i) FROM
		(SELECT id, row_number() OVER (ORDER BY rowid) - 1 AS i FROM ` + stg + `)`)
	if diff := cmp.Diff([][]any{{int64(recs * per), int64(0)}}, got); diff != "" {
		t.Errorf("staged rows, out of order (-want +got):\n%s", diff)
	}
	if _, err := f.c.Write(ctx, req, &brokenAfter{sliceReader{schema: idName, recs: all}}); err == nil {
		t.Fatal("Write of an input that fails after two chunks: got nil error")
	}
	if got := f.rows(`SELECT count(*) FROM ` + stg); got[0][0] != int64(recs*per) {
		t.Errorf("staging after a failed Write: got %v rows, want the first Write's %d", got[0][0], recs*per)
	}
	if n := f.arrowViews(); n != 0 {
		t.Errorf("after the Writes: got %d _dpone_arrow views, want 0", n)
	}
}
