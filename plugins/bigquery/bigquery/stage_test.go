package bigquery

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"

	"cloud.google.com/go/storage"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/util"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"google.golang.org/api/iterator"
)

// testStager connects to the fake-gcs-server of scripts/gcs.sh
// (DPONE_TEST_GCS_ENDPOINT, bucket dpone-test).
func testStager(t *testing.T, loadID string) *stager {
	t.Helper()
	ep := os.Getenv("DPONE_TEST_GCS_ENDPOINT")
	if ep == "" {
		t.Skip("DPONE_TEST_GCS_ENDPOINT is not set: run eval \"$(scripts/gcs.sh start)\" (make test does)")
	}
	gcs, err := newStorage(context.Background(), Config{GCSEndpoint: ep}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gcs.Close() })
	return &stager{gcs: gcs, bucket: "dpone-test", prefix: "it/" + t.Name(), loadID: loadID, writer: newWriterID()}
}

// sliceReader serves records as an sdk.RecordReader.
type sliceReader struct {
	schema *arrow.Schema
	recs   []arrow.RecordBatch
}

func (r *sliceReader) Schema() *arrow.Schema { return r.schema }
func (r *sliceReader) Next() (arrow.RecordBatch, error) {
	if len(r.recs) == 0 {
		return nil, io.EOF
	}
	rec := r.recs[0]
	r.recs = r.recs[1:]
	rec.Retain()
	return rec, nil
}

// objects lists the names under the stager's load directory.
func objects(t *testing.T, s *stager) []string {
	t.Helper()
	var names []string
	it := s.gcs.Bucket(s.bucket).Objects(context.Background(), &storage.Query{Prefix: s.prefix + "/"})
	for {
		o, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, o.Name)
	}
}

// TestStageToGCS stages records as part files sized by bytes, reads each
// back from Cloud Storage, and checks that remove deletes them.
func TestStageToGCS(t *testing.T) {
	ctx := context.Background()
	s := testStager(t, "run-7/orders")
	schema := typesSchema()
	var recs []arrow.RecordBatch
	for i := 0; i < 4; i++ {
		rec := typesRecord(t, schema, i*100, 100)
		defer rec.Release()
		recs = append(recs, rec)
	}
	// A file closes once it holds the limit: 1.5 records' bytes make
	// files of two records each.
	limit := int64(float64(util.TotalRecordSize(recs[0])) * 1.5)
	res, files, err := s.stage(ctx, &sliceReader{schema: schema, recs: recs}, limit)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 400 || files != 2 {
		t.Fatalf("staged: got %d rows in %d files, want 400 rows in 2 files (limit %d bytes)", res.Rows, files, limit)
	}
	dir := s.prefix + "/_dpone_stg_run_7_orders/part-" + s.writer
	want := []string{dir + "-00000.parquet", dir + "-00001.parquet"}
	names := objects(t, s)
	if len(names) != 2 || names[0] != want[0] || names[1] != want[1] {
		t.Fatalf("objects: got %v, want %v", names, want)
	}
	var rows int64
	for _, n := range names {
		r, err := s.gcs.Bucket(s.bucket).Object(n).NewReader(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		pf, err := file.NewParquetReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		tbl, err := fr.ReadTable(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range schema.Fields() {
			got := tbl.Schema().Field(i)
			gt, _ := bqType(got)
			wt, _ := bqType(f)
			if got.Name != f.Name || gt != wt {
				t.Errorf("%s column %d: got %s %s, want %s %s", n, i, got.Name, gt, f.Name, wt)
			}
		}
		rows += tbl.NumRows()
		tbl.Release()
	}
	if rows != 400 {
		t.Errorf("rows read back: got %d, want 400", rows)
	}
	if err := s.remove(ctx); err != nil {
		t.Fatal(err)
	}
	if got := objects(t, s); len(got) != 0 {
		t.Errorf("after remove: got %v, want none", got)
	}
	if err := s.remove(ctx); err != nil {
		t.Errorf("remove of nothing: %v, want nil", err)
	}
}

// TestStageParallelWriters: the host opens one Write per source partition
// of a load, concurrently; each stages its own files and none removes or
// overwrites another's, so the load holds every partition's rows.
func TestStageParallelWriters(t *testing.T) {
	ctx := context.Background()
	schema := typesSchema()
	a, b := testStager(t, "run-8/orders"), testStager(t, "run-8/orders")
	recA, recB := typesRecord(t, schema, 0, 100), typesRecord(t, schema, 100, 30)
	defer recA.Release()
	defer recB.Release()
	if _, _, err := a.stage(ctx, &sliceReader{schema: schema, recs: []arrow.RecordBatch{recA}}, 1<<30); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.stage(ctx, &sliceReader{schema: schema, recs: []arrow.RecordBatch{recB}}, 1<<30); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.remove(ctx) })
	var rows int64
	names := objects(t, a)
	for _, n := range names {
		rows += parquetRows(t, a, n)
	}
	if len(names) != 2 || rows != 130 {
		t.Errorf("staged by two writers: got %d rows in %v, want 130 rows in two files", rows, names)
	}
	if ok, err := a.staged(ctx); err != nil || !ok {
		t.Errorf("staged: got %v (%v), want true", ok, err)
	}
	if err := b.remove(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, err := a.staged(ctx); err != nil || ok {
		t.Errorf("staged after remove: got %v (%v), want false", ok, err)
	}
}

// parquetRows reads one staged file back and counts its rows.
func parquetRows(t *testing.T, s *stager, name string) int64 {
	t.Helper()
	r, err := s.gcs.Bucket(s.bucket).Object(name).NewReader(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	pf, err := file.NewParquetReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return pf.NumRows()
}
