package duckdb

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dpone-go/dpone/sdk"
)

// fixture is a connector with a database file in a test's temp dir.
type fixture struct {
	t    testing.TB
	c    *Connector
	cfg  json.RawMessage
	path string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wh.duckdb")
	c := New().(*Connector)
	t.Cleanup(func() { c.Close() })
	cfg, _ := json.Marshal(Config{Path: path})
	return &fixture{t: t, c: c, cfg: cfg, path: path}
}

func (f *fixture) req(loadID, table, mode string, schema *arrow.Schema, keys ...string) sdk.LoadRequest {
	return sdk.LoadRequest{Config: f.cfg, LoadID: loadID, Target: sdk.TableRef{Namespace: "landing", Name: table},
		Schema: schema, Mode: mode, UniqueKey: keys}
}

// exec runs SQL on the fixture's database.
func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	d, err := f.c.openConfig(context.Background(), f.cfg, false)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := d.db.Exec(q, args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

// rows returns the rows of a query, sorted by their printed form.
func (f *fixture) rows(q string) [][]any {
	f.t.Helper()
	d, err := f.c.openConfig(context.Background(), f.cfg, false)
	if err != nil {
		f.t.Fatal(err)
	}
	rs, err := d.db.Query(q)
	if err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out [][]any
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			f.t.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rs.Err(); err != nil {
		f.t.Fatal(err)
	}
	sort.Slice(out, func(i, j int) bool { return fmt.Sprint(out[i]) < fmt.Sprint(out[j]) })
	return out
}

// load runs BeginLoad, one Write per record and CommitLoad.
func (f *fixture) load(req sdk.LoadRequest, recs ...arrow.RecordBatch) sdk.CommitResult {
	f.t.Helper()
	ctx := context.Background()
	if _, err := f.c.BeginLoad(ctx, req); err != nil {
		f.t.Fatalf("BeginLoad: %v", err)
	}
	if _, err := f.c.Write(ctx, req, &sliceReader{schema: req.Schema, recs: recs}); err != nil {
		f.t.Fatalf("Write: %v", err)
	}
	res, err := f.c.CommitLoad(ctx, req, json.RawMessage(`{"rows_read":1}`))
	if err != nil {
		f.t.Fatalf("CommitLoad: %v", err)
	}
	return res
}

// sliceReader is an sdk.RecordReader over records.
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
	return rec, nil
}

// idName is the schema of the small load tests: id bigint, name varchar.
var idName = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// idNameRecord builds a record of (id, name) pairs; name "" is NULL.
func idNameRecord(t *testing.T, pairs ...any) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(memory.DefaultAllocator, idName)
	defer b.Release()
	for i := 0; i < len(pairs); i += 2 {
		b.Field(0).(*array.Int64Builder).Append(int64(pairs[i].(int)))
		if s := pairs[i+1].(string); s == "" {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append(s)
		}
	}
	rec := b.NewRecordBatch()
	t.Cleanup(rec.Release)
	return rec
}

// memWriter is an sdk.RecordWriter that keeps what a Read sends.
type memWriter struct {
	schema      *arrow.Schema
	recs        []arrow.RecordBatch
	checkpoints []string
	batchBytes  int
}

func (w *memWriter) Schema(s *arrow.Schema) error {
	if w.schema == nil {
		w.schema = s
	}
	return nil
}

func (w *memWriter) Write(rec arrow.RecordBatch) error {
	rec.Retain()
	w.recs = append(w.recs, rec)
	return w.Schema(rec.Schema())
}

func (w *memWriter) Checkpoint(state []byte) error {
	w.checkpoints = append(w.checkpoints, string(state))
	return nil
}

func (w *memWriter) Progress(int64, int64) error    { return nil }
func (w *memWriter) Log(sdk.LogLevel, string) error { return nil }
func (w *memWriter) BatchBytes() int {
	if w.batchBytes > 0 {
		return w.batchBytes
	}
	return 1 << 20
}

// values returns every row the writer got as Go values (GetOneForMarshal).
func (w *memWriter) values() [][]any {
	var out [][]any
	for _, rec := range w.recs {
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make([]any, rec.NumCols())
			for j := range row {
				row[j] = rec.Column(j).GetOneForMarshal(i)
			}
			out = append(out, row)
		}
	}
	return out
}

type arrowRecord = arrow.RecordBatch
