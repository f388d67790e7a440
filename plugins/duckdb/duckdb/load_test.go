package duckdb

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

func TestLoadModes(t *testing.T) {
	tests := []struct {
		name  string
		mode  string
		keys  []string
		first []any
		then  []any
		want  [][]any
	}{
		{"full_refresh replaces", sdk.ModeFullRefresh, nil,
			[]any{1, "a", 2, "b"}, []any{3, "c"},
			[][]any{{int64(3), "c"}}},
		{"append adds", sdk.ModeAppend, nil,
			[]any{1, "a", 2, "b"}, []any{2, "b", 3, ""},
			[][]any{{int64(1), "a"}, {int64(2), "b"}, {int64(2), "b"}, {int64(3), nil}}},
		{"merge updates and inserts", sdk.ModeMerge, []string{"id"},
			[]any{1, "a", 2, "b"}, []any{2, "B", 3, "c"},
			[][]any{{int64(1), "a"}, {int64(2), "B"}, {int64(3), "c"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.load(f.req("l1", "t", tt.mode, idName, tt.keys...), idNameRecord(t, tt.first...))
			f.load(f.req("l2", "t", tt.mode, idName, tt.keys...), idNameRecord(t, tt.then...))
			got := f.rows(`SELECT id, name FROM landing.t`)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("target rows (-want +got):\n%s", diff)
			}
			if got := f.rows(`SELECT count(*) FROM duckdb_tables() WHERE starts_with(table_name, '_dpone_stg_')`); got[0][0] != int64(0) {
				t.Errorf("got %v staging tables after commit, want 0", got[0][0])
			}
		})
	}
}

func TestMergeResultCounts(t *testing.T) {
	f := newFixture(t)
	f.load(f.req("l1", "t", sdk.ModeMerge, idName, "id"), idNameRecord(t, 1, "a", 2, "b"))
	// Key 3 appears twice: the last staged row wins.
	res := f.load(f.req("l2", "t", sdk.ModeMerge, idName, "id"), idNameRecord(t, 2, "B", 3, "x", 3, "c"))
	if diff := cmp.Diff(sdk.CommitResult{RowsInserted: 1, RowsUpdated: 1}, res); diff != "" {
		t.Errorf("commit result (-want +got):\n%s", diff)
	}
	want := [][]any{{int64(1), "a"}, {int64(2), "B"}, {int64(3), "c"}}
	if diff := cmp.Diff(want, f.rows(`SELECT id, name FROM landing.t`)); diff != "" {
		t.Errorf("target rows (-want +got):\n%s", diff)
	}
	pk := f.rows(`SELECT constraint_column_names FROM duckdb_constraints() WHERE table_name = 't' AND constraint_type = 'PRIMARY KEY'`)
	if diff := cmp.Diff([][]any{{[]any{"id"}}}, pk); diff != "" {
		t.Errorf("primary key (-want +got):\n%s", diff)
	}
}

func TestFullRefreshTwiceReplaces(t *testing.T) {
	f := newFixture(t)
	f.load(f.req("l1", "t", sdk.ModeFullRefresh, idName), idNameRecord(t, 1, "a", 2, "b"))
	f.load(f.req("l2", "t", sdk.ModeFullRefresh, idName), idNameRecord(t, 5, "e"))
	res := f.load(f.req("l3", "t", sdk.ModeFullRefresh, idName), idNameRecord(t, 7, "g", 8, "h"))
	if diff := cmp.Diff(sdk.CommitResult{RowsInserted: 2, RowsDeleted: 1}, res); diff != "" {
		t.Errorf("commit result (-want +got):\n%s", diff)
	}
	want := [][]any{{int64(7), "g"}, {int64(8), "h"}}
	if diff := cmp.Diff(want, f.rows(`SELECT id, name FROM landing.t`)); diff != "" {
		t.Errorf("target rows (-want +got):\n%s", diff)
	}
}

func TestAbortLeavesTargetUntouched(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.load(f.req("l1", "t", sdk.ModeFullRefresh, idName), idNameRecord(t, 1, "a"))
	req := f.req("l2", "t", sdk.ModeFullRefresh, idName)
	if _, err := f.c.BeginLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.Write(ctx, req, &sliceReader{schema: idName, recs: []arrowRecord{idNameRecord(t, 9, "z")}}); err != nil {
		t.Fatal(err)
	}
	for range 2 { // idempotent
		if err := f.c.AbortLoad(ctx, req); err != nil {
			t.Fatalf("AbortLoad: %v", err)
		}
	}
	if diff := cmp.Diff([][]any{{int64(1), "a"}}, f.rows(`SELECT id, name FROM landing.t`)); diff != "" {
		t.Errorf("target rows (-want +got):\n%s", diff)
	}
	st, err := f.c.LoadStatus(ctx, req)
	if err != nil || st != sdk.LoadUnknown {
		t.Errorf("LoadStatus after abort: got %v, %v, want unknown", st, err)
	}
	_, err = f.c.CommitLoad(ctx, req, nil)
	if got := sdk.CodeOf(err); got != sdk.CodeNotFound {
		t.Errorf("CommitLoad after abort: got code %v (%v), want NOT_FOUND", got, err)
	}
}

func TestCommitTwiceIsNoOpAndLoadStatus(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	req := f.req("load-1", "t", sdk.ModeAppend, idName)
	status := func(want sdk.LoadState) {
		t.Helper()
		got, err := f.c.LoadStatus(ctx, req)
		if err != nil || got != want {
			t.Errorf("LoadStatus: got %v, %v, want %v", got, err, want)
		}
	}
	status(sdk.LoadUnknown)
	if _, err := f.c.BeginLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	status(sdk.LoadStaged)
	if _, err := f.c.Write(ctx, req, &sliceReader{schema: idName, recs: []arrowRecord{idNameRecord(t, 1, "a", 2, "b")}}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		res, err := f.c.CommitLoad(ctx, req, json.RawMessage(`{"checkpoint":"x"}`))
		if err != nil {
			t.Fatalf("CommitLoad #%d: %v", i+1, err)
		}
		want := sdk.CommitResult{RowsInserted: 2}
		if i == 1 {
			want = sdk.CommitResult{}
		}
		if diff := cmp.Diff(want, res); diff != "" {
			t.Errorf("CommitLoad #%d result (-want +got):\n%s", i+1, diff)
		}
		status(sdk.LoadCommitted)
	}
	if got := f.rows(`SELECT count(*) FROM landing.t`); got[0][0] != int64(2) {
		t.Errorf("got %v rows after two commits, want 2", got[0][0])
	}
	receipt := f.rows(`SELECT load_id, target, mode, rows, receipt::VARCHAR FROM landing._dpone_loads`)
	want := [][]any{{"load-1", "landing.t", sdk.ModeAppend, int64(2), `{"checkpoint":"x"}`}}
	if diff := cmp.Diff(want, receipt); diff != "" {
		t.Errorf("receipt (-want +got):\n%s", diff)
	}
}

func TestLineageColumns(t *testing.T) {
	f := newFixture(t)
	req := f.req("l1", "t", sdk.ModeAppend, idName)
	req.Load = hostOptions(`{"lineage":{"run_id":"r-1","loaded_at":"2026-11-26T05:00:00Z",
		"run_id_column":"_dpone_run_id","loaded_at_column":"_dpone_loaded_at"}}`)
	f.load(req, idNameRecord(t, 1, "a"))
	got := f.rows(`SELECT id, _dpone_run_id, _dpone_loaded_at FROM landing.t`)
	want := [][]any{{int64(1), "r-1", time.Date(2026, 11, 26, 5, 0, 0, 0, time.UTC)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lineage (-want +got):\n%s", diff)
	}
	// Staging has no lineage columns.
	if _, err := f.c.BeginLoad(context.Background(), f.req("l2", "t", sdk.ModeAppend, idName)); err != nil {
		t.Fatal(err)
	}
	cols := f.rows(`SELECT count(*) FROM duckdb_columns() WHERE table_name = '_dpone_stg_l2'`)
	if cols[0][0] != int64(2) {
		t.Errorf("got %v staging columns, want 2", cols[0][0])
	}
}

func TestConcurrentWritesIntoOneLoad(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	req := f.req("par", "t", sdk.ModeAppend, idName)
	if _, err := f.c.BeginLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	const writers, per = 8, 500
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		pairs := make([]any, 0, 2*per)
		for i := range per {
			pairs = append(pairs, w*per+i, "n")
		}
		rec := idNameRecord(t, pairs...)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.c.Write(ctx, req, &sliceReader{schema: idName, recs: []arrowRecord{rec, rec}})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	if _, err := f.c.CommitLoad(ctx, req, nil); err != nil {
		t.Fatal(err)
	}
	got := f.rows(`SELECT count(*), count(DISTINCT id) FROM landing.t`)
	if diff := cmp.Diff([][]any{{int64(2 * writers * per), int64(writers * per)}}, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

func TestConcurrentLoadsIntoOneFile(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			req := f.req("cl"+string(rune('a'+i)), "t"+string(rune('a'+i%3)), sdk.ModeAppend, idName)
			if _, err := f.c.BeginLoad(ctx, req); err != nil {
				errs <- err
				return
			}
			if _, err := f.c.Write(ctx, req, &sliceReader{schema: idName, recs: []arrowRecord{idNameRecord(t, i, "x")}}); err != nil {
				errs <- err
				return
			}
			_, err := f.c.CommitLoad(ctx, req, nil)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("load: %v", err)
		}
	}
	got := f.rows(`SELECT (SELECT count(*) FROM landing.ta) + (SELECT count(*) FROM landing.tb) + (SELECT count(*) FROM landing.tc)`)
	if got[0][0] != int64(6) {
		t.Errorf("got %v rows in all targets, want 6", got[0][0])
	}
}

func TestLoadErrors(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tests := []struct {
		name string
		req  sdk.LoadRequest
		want sdk.Code
	}{
		{"unknown mode", f.req("e", "t", "scd3", idName), sdk.CodeUnsupported},
		{"merge without key", f.req("e", "t", sdk.ModeMerge, idName), sdk.CodeConfig},
		{"key not in schema", f.req("e", "t", sdk.ModeMerge, idName, "nope"), sdk.CodeSchema},
		{"unknown option", func() sdk.LoadRequest {
			r := f.req("e", "t", sdk.ModeAppend, idName)
			r.Options = json.RawMessage(`{"bogus":1}`)
			return r
		}(), sdk.CodeConfig},
		{"memory sink", func() sdk.LoadRequest {
			r := f.req("e", "t", sdk.ModeAppend, idName)
			r.Config = json.RawMessage(`{"path":":memory:"}`)
			return r
		}(), sdk.CodeConfig},
		{"unknown config key", func() sdk.LoadRequest {
			r := f.req("e", "t", sdk.ModeAppend, idName)
			r.Config = json.RawMessage(`{"path":"x.duckdb","dsn":"y"}`)
			return r
		}(), sdk.CodeConfig},
		{"no schema", f.req("e", "t", sdk.ModeAppend, nil), sdk.CodeSchema},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.c.BeginLoad(ctx, tt.req)
			var se *sdk.Error
			if !errors.As(err, &se) || se.Code != tt.want {
				t.Errorf("BeginLoad: got %v (code %v), want code %v", err, sdk.CodeOf(err), tt.want)
			}
		})
	}
	_, err := f.c.Write(ctx, f.req("never", "t", sdk.ModeAppend, idName), &sliceReader{schema: idName})
	if got := sdk.CodeOf(err); got != sdk.CodeNotFound {
		t.Errorf("Write without BeginLoad: got %v (%v), want NOT_FOUND", got, err)
	}
}

func TestCheck(t *testing.T) {
	f := newFixture(t)
	if err := f.c.Check(context.Background(), f.cfg); err != nil {
		t.Errorf("Check: %v", err)
	}
	err := f.c.Check(context.Background(), json.RawMessage(`{"path":"/nonexistent/dir/x.duckdb"}`))
	if got := sdk.CodeOf(err); got != sdk.CodeConfig {
		t.Errorf("Check of a missing dir: got %v (%v), want CONFIG", got, err)
	}
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/dir") {
		t.Errorf("Check error %q does not name the path", err)
	}
}

// TestFullRefreshReadersNeverSeeEmpty counts the target in a loop while
// full refreshes commit: every count is a whole load, never 0 or partial.
func TestFullRefreshReadersNeverSeeEmpty(t *testing.T) {
	f := newFixture(t)
	pairs := make([]any, 0, 2000)
	for i := range 1000 {
		pairs = append(pairs, i, "x")
	}
	rec := idNameRecord(t, pairs...)
	f.load(f.req("fr0", "t", sdk.ModeFullRefresh, idName), rec)
	d, err := f.c.openConfig(context.Background(), f.cfg, false)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	bad := make(chan int64, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			var n int64
			if err := d.db.QueryRow(`SELECT count(*) FROM landing.t`).Scan(&n); err == nil && n != 1000 {
				select {
				case bad <- n:
				default:
				}
			}
		}
	}()
	for i := range 5 {
		f.load(f.req("fr"+string(rune('1'+i)), "t", sdk.ModeFullRefresh, idName), rec, rec.NewSlice(0, 0))
	}
	close(stop)
	wg.Wait()
	select {
	case n := <-bad:
		t.Errorf("a reader saw %d rows during a full refresh, want always 1000", n)
	default:
	}
}
