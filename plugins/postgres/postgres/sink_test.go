package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/dpone-go/dpone/sdk"
)

// sliceReader is a RecordReader over records.
type sliceReader struct {
	schema *arrow.Schema
	recs   []arrow.RecordBatch
	i      int
}

func (r *sliceReader) Schema() *arrow.Schema { return r.schema }
func (r *sliceReader) Next() (arrow.RecordBatch, error) {
	if r.i >= len(r.recs) {
		return nil, io.EOF
	}
	r.i++
	return r.recs[r.i-1], nil
}

var kvSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// kvRecord builds an (id, name) record; an empty name is NULL.
func kvRecord(rows ...kv) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, kvSchema)
	defer b.Release()
	for _, r := range rows {
		b.Field(0).(*array.Int64Builder).Append(r.id)
		if r.name == "" {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append(r.name)
		}
	}
	return b.NewRecordBatch()
}

type kv struct {
	id   int64
	name string
}

// loadReq is a request for target sinktest.<table>.
func loadReq(cfg json.RawMessage, id, table, mode string, keys ...string) sdk.LoadRequest {
	return sdk.LoadRequest{Config: cfg, LoadID: id, Target: sdk.TableRef{Namespace: "sinktest", Name: table},
		Schema: kvSchema, Mode: mode, UniqueKey: keys}
}

// runLoad begins, writes and commits one load of rows.
func runLoad(t testing.TB, c *Connector, req sdk.LoadRequest, rows ...kv) sdk.CommitResult {
	t.Helper()
	ctx := context.Background()
	if _, err := c.BeginLoad(ctx, req); err != nil {
		t.Fatalf("begin %s: %v", req.LoadID, err)
	}
	rec := kvRecord(rows...)
	defer rec.Release()
	if _, err := c.Write(ctx, req, &sliceReader{schema: kvSchema, recs: []arrow.RecordBatch{rec}}); err != nil {
		t.Fatalf("write %s: %v", req.LoadID, err)
	}
	res, err := c.CommitLoad(ctx, req, json.RawMessage(`{"checkpoint": "x"}`))
	if err != nil {
		t.Fatalf("commit %s: %v", req.LoadID, err)
	}
	return res
}

// tableKV reads (id, name) of sinktest.<table> ordered by id.
func tableKV(t *testing.T, cfg json.RawMessage, table string) []kv {
	t.Helper()
	w := &memWriter{}
	defer w.release()
	req := sdk.ReadRequest{Config: cfg, Namespace: "sinktest", Stream: table, Columns: []string{"id", "name"}, Mode: sdk.ReadFull}
	if err := New().(*Connector).Read(context.Background(), req, w); err != nil {
		t.Fatalf("read back %s: %v", table, err)
	}
	var out []kv
	for _, r := range w.rows() {
		name, _ := r[1].(string)
		out = append(out, kv{r[0].(int64), name})
	}
	sortKV(out)
	return out
}

func sortKV(s []kv) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].id < s[j-1].id; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestLoadModes(t *testing.T) {
	cfg, conn := testDB(t)
	t.Cleanup(func() { mustExec(t, conn, "DROP SCHEMA IF EXISTS sinktest CASCADE") })
	c := New().(*Connector)
	steps := []struct {
		mode string
		keys []string
		rows []kv
		want []kv
		res  sdk.CommitResult
	}{
		{sdk.ModeFullRefresh, nil, []kv{{1, "a"}, {2, "b"}, {3, ""}}, []kv{{1, "a"}, {2, "b"}, {3, ""}}, sdk.CommitResult{RowsInserted: 3}},
		{sdk.ModeFullRefresh, nil, []kv{{2, "b2"}, {4, "d"}}, []kv{{2, "b2"}, {4, "d"}}, sdk.CommitResult{RowsInserted: 2}},
		{sdk.ModeAppend, nil, []kv{{5, "e"}}, []kv{{2, "b2"}, {4, "d"}, {5, "e"}}, sdk.CommitResult{RowsInserted: 1}},
	}
	for i, s := range steps {
		res := runLoad(t, c, loadReq(cfg, fmt.Sprintf("modes-%d", i), "modes", s.mode, s.keys...), s.rows...)
		if diff := cmp.Diff(s.res, res); diff != "" {
			t.Errorf("step %d %s result (-want +got):\n%s", i, s.mode, diff)
		}
		if diff := cmp.Diff(s.want, tableKV(t, cfg, "modes"), cmp.AllowUnexported(kv{})); diff != "" {
			t.Errorf("step %d %s rows (-want +got):\n%s", i, s.mode, diff)
		}
	}

	// Merge into a target it creates (primary key on unique_key), twice.
	merges := []struct {
		rows []kv
		want []kv
		res  sdk.CommitResult
	}{
		{[]kv{{1, "a"}, {2, "b"}}, []kv{{1, "a"}, {2, "b"}}, sdk.CommitResult{RowsInserted: 2}},
		{[]kv{{2, "b2"}, {3, "c"}, {3, "c-last"}}, []kv{{1, "a"}, {2, "b2"}, {3, "c-last"}}, sdk.CommitResult{RowsInserted: 1, RowsUpdated: 1}},
	}
	for i, m := range merges {
		req := loadReq(cfg, fmt.Sprintf("merge-%d", i), "merged", sdk.ModeMerge, "id")
		req.Load = hostOptions(`{"lineage": {"run_id": "r-1", "loaded_at": "2026-11-26T05:00:00Z",
			"run_id_column": "_dpone_run_id", "loaded_at_column": "_dpone_loaded_at"}, "schema_evolution": "evolve"}`)
		res := runLoad(t, c, req, m.rows...)
		if diff := cmp.Diff(m.res, res); diff != "" {
			t.Errorf("merge %d result (-want +got):\n%s", i, diff)
		}
		if diff := cmp.Diff(m.want, tableKV(t, cfg, "merged"), cmp.AllowUnexported(kv{})); diff != "" {
			t.Errorf("merge %d rows (-want +got):\n%s", i, diff)
		}
	}
	var runID string
	var loadedAt time.Time
	var pk string
	err := conn.QueryRow(context.Background(), `SELECT _dpone_run_id, _dpone_loaded_at,
		(SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'sinktest.merged'::regclass AND contype = 'p')
		FROM sinktest.merged WHERE id = 3`).Scan(&runID, &loadedAt, &pk)
	if err != nil {
		t.Fatal(err)
	}
	if runID != "r-1" || !loadedAt.Equal(time.Date(2026, 11, 26, 5, 0, 0, 0, time.UTC)) || pk != "PRIMARY KEY (id)" {
		t.Errorf("lineage: got %q %v %q, want r-1 2026-11-26T05:00:00Z PRIMARY KEY (id)", runID, loadedAt, pk)
	}
}

func TestLoadOptionErrors(t *testing.T) {
	cfg, _ := testDB(t)
	c := New().(*Connector)
	tests := []struct {
		name string
		req  sdk.LoadRequest
		want sdk.Code
	}{
		{"unknown mode", loadReq(cfg, "e1", "x", "scd3"), sdk.CodeUnsupported},
		{"merge without key", loadReq(cfg, "e2", "x", sdk.ModeMerge), sdk.CodeConfig},
		{"unknown option", func() sdk.LoadRequest {
			r := loadReq(cfg, "e3", "x", sdk.ModeFullRefresh)
			r.Options = json.RawMessage(`{"truncate": true}`)
			return r
		}(), sdk.CodeConfig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.BeginLoad(context.Background(), tc.req)
			if got := sdk.CodeOf(err); got != tc.want {
				t.Errorf("got %v (%v), want %v", got, err, tc.want)
			}
		})
	}
}

func TestLoadAbortStatusAndIdempotentCommit(t *testing.T) {
	cfg, conn := testDB(t)
	t.Cleanup(func() { mustExec(t, conn, "DROP SCHEMA IF EXISTS sinktest CASCADE") })
	c := New().(*Connector)
	ctx := context.Background()
	runLoad(t, c, loadReq(cfg, "base", "life", sdk.ModeFullRefresh), kv{1, "keep"})

	status := func(id string, want sdk.LoadState) {
		t.Helper()
		got, err := c.LoadStatus(ctx, loadReq(cfg, id, "life", sdk.ModeFullRefresh))
		if err != nil || got != want {
			t.Errorf("status of %s: got %v %v, want %v", id, got, err, want)
		}
	}
	status("never", sdk.LoadUnknown)
	status("base", sdk.LoadCommitted)

	// Abort after write: target untouched, staging gone.
	req := loadReq(cfg, "aborted", "life", sdk.ModeFullRefresh)
	if _, err := c.BeginLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	status("aborted", sdk.LoadStaged)
	rec := kvRecord(kv{9, "no"})
	defer rec.Release()
	if _, err := c.Write(ctx, req, &sliceReader{recs: []arrow.RecordBatch{rec}}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := c.AbortLoad(ctx, req); err != nil {
			t.Fatalf("abort: %v", err)
		}
	}
	status("aborted", sdk.LoadUnknown)
	if diff := cmp.Diff([]kv{{1, "keep"}}, tableKV(t, cfg, "life"), cmp.AllowUnexported(kv{})); diff != "" {
		t.Errorf("after abort (-want +got):\n%s", diff)
	}
	if _, err := c.CommitLoad(ctx, req, nil); sdk.CodeOf(err) != sdk.CodeNotFound {
		t.Errorf("commit after abort: got %v, want NOT_FOUND", err)
	}

	// A second commit of a committed load changes nothing.
	req = loadReq(cfg, "twice", "life", sdk.ModeAppend)
	runLoad(t, c, req, kv{2, "once"})
	if _, err := c.CommitLoad(ctx, req, nil); err != nil {
		t.Fatalf("second commit: %v", err)
	}
	if diff := cmp.Diff([]kv{{1, "keep"}, {2, "once"}}, tableKV(t, cfg, "life"), cmp.AllowUnexported(kv{})); diff != "" {
		t.Errorf("after second commit (-want +got):\n%s", diff)
	}
	var receipts int
	var receipt string
	if err := conn.QueryRow(ctx, "SELECT count(*), max(receipt) FROM sinktest._dpone_loads WHERE load_id = 'twice'").Scan(&receipts, &receipt); err != nil {
		t.Fatal(err)
	}
	if receipts != 1 || receipt != `{"checkpoint": "x"}` {
		t.Errorf("receipts: got %d %q, want 1 {\"checkpoint\": \"x\"}", receipts, receipt)
	}
}

func TestConcurrentWrites(t *testing.T) {
	cfg, conn := testDB(t)
	t.Cleanup(func() { mustExec(t, conn, "DROP SCHEMA IF EXISTS sinktest CASCADE") })
	c := New().(*Connector)
	ctx := context.Background()
	req := loadReq(cfg, "parallel", "par", sdk.ModeFullRefresh)
	if _, err := c.BeginLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	var readers []sdk.RecordReader
	for p := range 4 {
		var recs []arrow.RecordBatch
		for b := range 5 {
			lo := int64(p*5000 + b*1000)
			recs = append(recs, kvRecord(kvRows(lo, lo+1000)...))
		}
		readers = append(readers, &sliceReader{recs: recs})
	}
	for i, res := range writeAtOnce(t, c, req, readers...) {
		if res.Rows != 5000 {
			t.Errorf("Write %d: got %d rows written, want 5000", i, res.Rows)
		}
	}
	if res, err := c.CommitLoad(ctx, req, nil); err != nil || res.RowsInserted != 20000 {
		t.Fatalf("commit: got %+v %v, want 20000 rows", res, err)
	}
	expectRowsOnce(t, conn, "sinktest.par", 20000, "four Writes at once")
}

// writeAtOnce runs one Write of req per reader, all at once, and fails t
// on any error; it returns their results in the readers' order.
func writeAtOnce(t *testing.T, c *Connector, req sdk.LoadRequest, readers ...sdk.RecordReader) []sdk.WriteResult {
	t.Helper()
	res := make([]sdk.WriteResult, len(readers))
	errs := make([]error, len(readers))
	var wg sync.WaitGroup
	for i, r := range readers {
		wg.Go(func() { res[i], errs[i] = c.Write(context.Background(), req, r) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return res
}

// expectRowsOnce checks that table holds n rows, each id once.
func expectRowsOnce(t *testing.T, conn *pgx.Conn, table string, n int64, what string) {
	t.Helper()
	var got, distinct int64
	if err := conn.QueryRow(context.Background(), "SELECT count(*), count(DISTINCT id) FROM "+table).Scan(&got, &distinct); err != nil {
		t.Fatal(err)
	}
	if got != n || distinct != n {
		t.Errorf("%s: %s holds %d rows (%d distinct), want %d", what, table, got, distinct, n)
	}
}

// slowReader yields one record, then waits until released, then more.
type slowReader struct {
	recs    []arrow.RecordBatch
	i       int
	started chan struct{}
	release chan struct{}
}

func (r *slowReader) Schema() *arrow.Schema { return kvSchema }
func (r *slowReader) Next() (arrow.RecordBatch, error) {
	if r.i == 1 {
		close(r.started)
		<-r.release
	}
	if r.i >= len(r.recs) {
		return nil, io.EOF
	}
	r.i++
	return r.recs[r.i-1], nil
}

func TestWriteConnectionKilled(t *testing.T) {
	cfg, conn := testDB(t)
	t.Cleanup(func() { mustExec(t, conn, "DROP SCHEMA IF EXISTS sinktest CASCADE") })
	c := New().(*Connector)
	ctx := context.Background()
	runLoad(t, c, loadReq(cfg, "before-kill", "killed", sdk.ModeFullRefresh), kv{1, "keep"})

	req := loadReq(cfg, "kill", "killed", sdk.ModeFullRefresh)
	if _, err := c.BeginLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	var recs []arrow.RecordBatch
	for b := range 40 {
		var rows []kv
		for i := range 2000 {
			rows = append(rows, kv{int64(b*2000 + i), "some text to make the copy stream longer than a buffer"})
		}
		recs = append(recs, kvRecord(rows...))
	}
	rr := &slowReader{recs: recs, started: make(chan struct{}), release: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := c.Write(ctx, req, rr)
		done <- err
	}()
	<-rr.started
	// The COPY may reach pg_stat_activity a moment after the first
	// record is read: look for it for a while.
	var killed *bool
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		err = conn.QueryRow(ctx, `SELECT bool_or(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE query LIKE 'COPY %_dpone_stg_kill%' AND pid <> pg_backend_pid()`).Scan(&killed)
		if err != nil || killed != nil {
			break
		}
	}
	if err != nil || killed == nil || !*killed {
		t.Fatalf("terminate the COPY backend: got %v %v, want true", killed, err)
	}
	close(rr.release)
	err = <-done
	if err == nil {
		t.Fatal("write on a killed connection: got no error")
	}
	if got := sdk.CodeOf(err); got != sdk.CodeUnavailable {
		t.Errorf("got code %v (%v), want UNAVAILABLE", got, err)
	}
	t.Logf("error after pg_terminate_backend: %v", err)
	var se *sdk.Error
	if !errors.As(err, &se) || !se.Retryable {
		t.Errorf("got %v, want a retryable error", err)
	}
	if err := c.AbortLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]kv{{1, "keep"}}, tableKV(t, cfg, "killed"), cmp.AllowUnexported(kv{})); diff != "" {
		t.Errorf("target after a killed write (-want +got):\n%s", diff)
	}
}
