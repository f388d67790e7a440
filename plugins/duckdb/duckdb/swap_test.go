package duckdb

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

func lineageOpts(runID string) sdk.LoadOptions {
	return sdk.LoadOptions{Lineage: &sdk.Lineage{RunID: runID, LoadedAt: "2026-11-26T05:00:00.123456Z",
		RunIDColumn: "_dpone_run_id", LoadedAtColumn: "_dpone_loaded_at"}}
}

// hostOptions decodes the host's load options from their v1.0 JSON
// layout (lineage and strategy blocks), which LoadOptions' tags follow.
func hostOptions(s string) sdk.LoadOptions {
	var o sdk.LoadOptions
	if err := json.Unmarshal([]byte(s), &o); err != nil {
		panic(fmt.Sprintf("load options %s: %v", s, err))
	}
	return o
}

// tableOID is the catalog oid of landing.<table>: a swap gives the target
// the staging table's oid, DELETE + INSERT keeps the target's.
func (f *fixture) tableOID(table string) int64 {
	f.t.Helper()
	got := f.rows(`SELECT table_oid FROM duckdb_tables() WHERE schema_name = 'landing' AND table_name = '` + table + `'`)
	if len(got) != 1 {
		f.t.Fatalf("table landing.%s: got %d catalog rows, want 1", table, len(got))
	}
	return got[0][0].(int64)
}

// TestFullRefreshSwap commits full_refresh loads into targets of several
// shapes and checks whether each swapped staging in or fell back to
// DELETE + INSERT, and that both leave the same contents and constraints.
func TestFullRefreshSwap(t *testing.T) {
	loadedAt := time.Date(2026, 11, 26, 5, 0, 0, 123456000, time.UTC)
	tests := []struct {
		name          string
		setup         []string
		beginRun      string // lineage run id at BeginLoad ("" = lineage off)
		commitRun     string // and at CommitLoad
		wantSwap      bool
		wantRows      [][]any
		wantPK        []string
		wantCatalog   string // query over the target's catalog rows
		wantCatalogRs [][]any
	}{
		{name: "absent target, lineage", beginRun: "r-1", commitRun: "r-1", wantSwap: true,
			wantRows: [][]any{{int64(7), "g", "r-1", loadedAt}, {int64(8), nil, "r-1", loadedAt}},
			wantCatalog: `SELECT count(*) FILTER (WHERE column_default IS NOT NULL), count(*) FROM duckdb_columns()
				WHERE schema_name = 'landing' AND table_name = 't'`,
			wantCatalogRs: [][]any{{int64(0), int64(4)}}},
		{name: "target with primary key and an extra column", beginRun: "r-1", commitRun: "r-1", wantSwap: true,
			setup: []string{`CREATE TABLE landing.t (id BIGINT PRIMARY KEY, name VARCHAR, extra INTEGER)`,
				`INSERT INTO landing.t VALUES (1, 'a', 10), (2, 'b', 20)`},
			wantRows: [][]any{{int64(7), "g", "r-1", loadedAt}, {int64(8), nil, "r-1", loadedAt}},
			wantPK:   []string{"id"},
			wantCatalog: `SELECT column_name, data_type FROM duckdb_columns()
				WHERE schema_name = 'landing' AND table_name = 't' AND column_name = 'extra'`,
			wantCatalogRs: [][]any{{"extra", "INTEGER"}}},
		{name: "target with narrower types keeps them", wantSwap: true,
			setup:    []string{`CREATE TABLE landing.t (id INTEGER NOT NULL, name VARCHAR(10))`, `INSERT INTO landing.t VALUES (1, 'a')`},
			wantRows: [][]any{{int32(7), "g"}, {int32(8), nil}},
			wantCatalog: `SELECT column_name, data_type, is_nullable FROM duckdb_columns()
				WHERE schema_name = 'landing' AND table_name = 't' ORDER BY column_index`,
			wantCatalogRs: [][]any{{"id", "INTEGER", false}, {"name", "VARCHAR", true}}},
		{name: "unique constraint falls back",
			setup:    []string{`CREATE TABLE landing.t (id BIGINT UNIQUE, name VARCHAR)`, `INSERT INTO landing.t VALUES (1, 'a')`},
			wantRows: [][]any{{int64(7), "g"}, {int64(8), nil}},
			wantCatalog: `SELECT constraint_type FROM duckdb_constraints()
				WHERE schema_name = 'landing' AND table_name = 't'`,
			wantCatalogRs: [][]any{{"UNIQUE"}}},
		{name: "index falls back",
			setup:         []string{`CREATE TABLE landing.t (id BIGINT, name VARCHAR)`, `CREATE INDEX t_name ON landing.t (name)`},
			wantRows:      [][]any{{int64(7), "g"}, {int64(8), nil}},
			wantCatalog:   `SELECT index_name FROM duckdb_indexes() WHERE schema_name = 'landing' AND table_name = 't'`,
			wantCatalogRs: [][]any{{"t_name"}}},
		{name: "column default falls back",
			setup:    []string{`CREATE TABLE landing.t (id BIGINT, name VARCHAR DEFAULT 'x')`},
			wantRows: [][]any{{int64(7), "g"}, {int64(8), nil}},
			wantCatalog: `SELECT column_default FROM duckdb_columns()
				WHERE schema_name = 'landing' AND table_name = 't' AND column_name = 'name'`,
			wantCatalogRs: [][]any{{"'x'"}}},
		{name: "lineage changed since BeginLoad falls back", beginRun: "r-1", commitRun: "r-2",
			wantRows: [][]any{{int64(7), "g", "r-2", loadedAt}, {int64(8), nil, "r-2", loadedAt}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			f.exec(`CREATE SCHEMA landing`)
			for _, q := range tc.setup {
				f.exec(q)
			}
			begin := f.req("fr", "t", sdk.ModeFullRefresh, idName)
			commit := begin
			if tc.beginRun != "" {
				begin.Load, commit.Load = lineageOpts(tc.beginRun), lineageOpts(tc.commitRun)
			}
			if _, err := f.c.BeginLoad(ctx, begin); err != nil {
				t.Fatalf("BeginLoad: %v", err)
			}
			stagingOID := f.tableOID(sdk.StagingName("fr"))
			if _, err := f.c.Write(ctx, begin, &sliceReader{schema: idName, recs: []arrowRecord{idNameRecord(t, 7, "g", 8, "")}}); err != nil {
				t.Fatalf("Write: %v", err)
			}
			for i := range 2 { // the second commit is a no-op
				if _, err := f.c.CommitLoad(ctx, commit, nil); err != nil {
					t.Fatalf("CommitLoad #%d: %v", i+1, err)
				}
			}
			if got, want := f.tableOID("t") == stagingOID, tc.wantSwap; got != want {
				t.Errorf("swapped: got %v, want %v", got, want)
			}
			q := `SELECT id, name FROM landing.t`
			if tc.commitRun != "" {
				q = `SELECT id, name, _dpone_run_id, _dpone_loaded_at FROM landing.t`
			}
			if diff := cmp.Diff(tc.wantRows, f.rows(q)); diff != "" {
				t.Errorf("target rows (-want +got):\n%s", diff)
			}
			pk, err := primaryKey(ctx, f.c.dbs[f.path].db, "landing", "t")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantPK, pk); diff != "" {
				t.Errorf("primary key (-want +got):\n%s", diff)
			}
			if tc.wantCatalog != "" {
				if diff := cmp.Diff(tc.wantCatalogRs, f.rows(tc.wantCatalog)); diff != "" {
					t.Errorf("catalog (-want +got):\n%s", diff)
				}
			}
			if got := f.rows(`SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '_dpone_stg_%'`); got[0][0] != int64(0) {
				t.Errorf("got %v staging tables after commit, want 0", got[0][0])
			}
			receipts := f.rows(`SELECT load_id, rows FROM landing._dpone_loads`)
			if diff := cmp.Diff([][]any{{"fr", int64(2)}}, receipts); diff != "" {
				t.Errorf("receipts (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFullRefreshSwapDuplicateKeys fails the commit when the staged rows
// break the target's primary key, and leaves the target untouched.
func TestFullRefreshSwapDuplicateKeys(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.exec(`CREATE SCHEMA landing`)
	f.exec(`CREATE TABLE landing.t (id BIGINT PRIMARY KEY, name VARCHAR)`)
	f.exec(`INSERT INTO landing.t VALUES (1, 'a')`)
	req := f.req("dup", "t", sdk.ModeFullRefresh, idName)
	if _, err := f.c.BeginLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.Write(ctx, req, &sliceReader{schema: idName, recs: []arrowRecord{idNameRecord(t, 7, "g", 7, "h")}}); err != nil {
		t.Fatal(err)
	}
	_, err := f.c.CommitLoad(ctx, req, nil)
	if got := sdk.CodeOf(err); got != sdk.CodeData {
		t.Errorf("CommitLoad: got code %v (%v), want DATA", got, err)
	}
	if diff := cmp.Diff([][]any{{int64(1), "a"}}, f.rows(`SELECT id, name FROM landing.t`)); diff != "" {
		t.Errorf("target rows (-want +got):\n%s", diff)
	}
	if st, err := f.c.LoadStatus(ctx, req); err != nil || st != sdk.LoadStaged {
		t.Errorf("LoadStatus: got %v, %v, want staged", st, err)
	}
}
