package clickhouse

import (
	"context"
	"encoding/json"
	"io"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dpone-go/dpone/sdk"
)

// fixture is a connector on the test server and an admin connection.
type fixture struct {
	t   testing.TB
	c   *Connector
	cfg json.RawMessage
	ctx context.Context
}

func newFixture(t testing.TB) *fixture {
	cfg, _ := testServer(t)
	c := New().(*Connector)
	t.Cleanup(func() { c.Close() })
	return &fixture{t: t, c: c, cfg: cfg, ctx: context.Background()}
}

func (f *fixture) req(loadID, table, mode string, schema *arrow.Schema, keys ...string) sdk.LoadRequest {
	return sdk.LoadRequest{Config: f.cfg, LoadID: loadID, Target: sdk.TableRef{Namespace: testDB, Name: table},
		Schema: schema, Mode: mode, UniqueKey: keys}
}

// stage runs BeginLoad and Write.
func (f *fixture) stage(req sdk.LoadRequest, recs ...arrow.RecordBatch) {
	f.t.Helper()
	if _, err := f.c.BeginLoad(f.ctx, req); err != nil {
		f.t.Fatalf("BeginLoad %s: %v", req.LoadID, err)
	}
	if _, err := f.c.Write(f.ctx, req, &sliceReader{schema: req.Schema, recs: recs}); err != nil {
		f.t.Fatalf("Write %s: %v", req.LoadID, err)
	}
}

// load stages and commits.
func (f *fixture) load(req sdk.LoadRequest, recs ...arrow.RecordBatch) sdk.CommitResult {
	f.t.Helper()
	f.stage(req, recs...)
	res, err := f.c.CommitLoad(f.ctx, req, json.RawMessage(`{}`))
	if err != nil {
		f.t.Fatalf("CommitLoad %s: %v", req.LoadID, err)
	}
	return res
}

// read reads a table back as rows of Go values (GetOneForMarshal).
func (f *fixture) read(table string, opts string) [][]any {
	f.t.Helper()
	w := &memWriter{}
	req := sdk.ReadRequest{Config: f.cfg, Namespace: testDB, Stream: table, Mode: sdk.ReadFull}
	if opts != "" {
		req.Options = json.RawMessage(opts)
	}
	if err := f.c.Read(f.ctx, req, w); err != nil {
		f.t.Fatalf("Read %s: %v", table, err)
	}
	return w.values()
}

// query runs q on the test server and returns its single UInt64/Int64/String value.
func (f *fixture) scalar(q string, dest any) {
	f.t.Helper()
	s, err := f.c.open(f.ctx, f.cfg)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := s.conn.QueryRow(f.ctx, q).Scan(dest); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

// conn is the connector's connection pool on the test server.
func (f *fixture) conn() driver.Conn {
	f.t.Helper()
	s, err := f.c.open(f.ctx, f.cfg)
	if err != nil {
		f.t.Fatal(err)
	}
	return s.conn
}

func (f *fixture) exec(q string) {
	f.t.Helper()
	s, err := f.c.open(f.ctx, f.cfg)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := s.conn.Exec(f.ctx, q); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
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

var idNameSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// idNameRecord builds (id, name) rows from pairs: id, name, id, name...
func idNameRecord(t testing.TB, pairs ...any) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(memory.DefaultAllocator, idNameSchema)
	defer b.Release()
	for i := 0; i < len(pairs); i += 2 {
		b.Field(0).(*array.Int64Builder).Append(int64(pairs[i].(int)))
		if pairs[i+1] == nil {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append(pairs[i+1].(string))
		}
	}
	return b.NewRecordBatch()
}

// memWriter is a RecordWriter that keeps everything a Read sends.
type memWriter struct {
	schema      *arrow.Schema
	recs        []arrow.RecordBatch
	checkpoints [][]byte
}

var _ sdk.RecordWriter = (*memWriter)(nil)

func (w *memWriter) Schema(s *arrow.Schema) error {
	if w.schema == nil {
		w.schema = s
	}
	return nil
}

func (w *memWriter) Write(rec arrow.RecordBatch) error {
	rec.Retain()
	w.recs = append(w.recs, rec)
	return nil
}

func (w *memWriter) Checkpoint(state []byte) error {
	w.checkpoints = append(w.checkpoints, append([]byte(nil), state...))
	return nil
}
func (w *memWriter) Progress(int64, int64) error    { return nil }
func (w *memWriter) Log(sdk.LogLevel, string) error { return nil }
func (w *memWriter) BatchBytes() int                { return 1 << 20 }

// values are the rows read, each column's value as GetOneForMarshal.
func (w *memWriter) values() [][]any {
	var out [][]any
	for _, rec := range w.recs {
		for r := range int(rec.NumRows()) {
			row := make([]any, rec.NumCols())
			for c := range int(rec.NumCols()) {
				row[c] = rec.Column(c).GetOneForMarshal(r)
			}
			out = append(out, row)
		}
	}
	return out
}
