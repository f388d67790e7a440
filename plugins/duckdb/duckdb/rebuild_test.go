package duckdb

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// TestMergeRebuild checks which merges rebuild the target (a new table
// takes its place: its oid changes) and which delete and insert in place,
// and that both leave the same rows and primary key.
func TestMergeRebuild(t *testing.T) {
	tests := []struct {
		name        string
		mode        string
		setup       string
		pairs       []any // staged (id, name) pairs
		wantRebuild bool
		want        [][]any
		wantRun2    int64 // rows carrying the second load's lineage
	}{
		{name: "merge, 2 of 5 staged", mode: sdk.ModeMerge, pairs: []any{2, "B", 9, "i", 2, "C"}, wantRebuild: true,
			want: [][]any{{int64(1), "a"}, {int64(2), "C"}, {int64(3), "c"}, {int64(4), "d"}, {int64(5), "e"}, {int64(9), "i"}}, wantRun2: 2},
		{name: "merge, 1 of 6 staged", mode: sdk.ModeMerge, setup: `INSERT INTO landing.t VALUES (6, 'f', NULL, NULL)`, pairs: []any{2, "B"},
			want: [][]any{{int64(1), "a"}, {int64(2), "B"}, {int64(3), "c"}, {int64(4), "d"}, {int64(5), "e"}, {int64(6), "f"}}, wantRun2: 1},
		{name: "merge, index on the target", mode: sdk.ModeMerge, setup: `CREATE INDEX t_name ON landing.t (name)`, pairs: []any{2, "B", 9, "i"},
			want: [][]any{{int64(1), "a"}, {int64(2), "B"}, {int64(3), "c"}, {int64(4), "d"}, {int64(5), "e"}, {int64(9), "i"}}, wantRun2: 2},
		{name: "snapshot_diff", mode: sdk.ModeSnapshotDiff, pairs: []any{1, "a", 2, "B", 3, "c", 4, "d", 9, "i"}, wantRebuild: true,
			want: [][]any{{int64(1), "a"}, {int64(2), "B"}, {int64(3), "c"}, {int64(4), "d"}, {int64(9), "i"}}, wantRun2: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			seed := f.req("seed", "t", tt.mode, idName, "id")
			seed.Load = lineageOpts("r-1")
			f.load(seed, idNameRecord(t, 1, "a", 2, "b", 3, "c", 4, "d", 5, "e"))
			if tt.setup != "" {
				f.exec(tt.setup)
			}
			oid := f.tableOID("t")
			req := f.req("next", "t", tt.mode, idName, "id")
			req.Load = lineageOpts("r-2")
			f.load(req, idNameRecord(t, tt.pairs...))
			if rebuilt := f.tableOID("t") != oid; rebuilt != tt.wantRebuild {
				t.Errorf("rebuilt: got %v, want %v", rebuilt, tt.wantRebuild)
			}
			if diff := cmp.Diff(tt.want, f.rows(`SELECT id, name FROM landing.t`)); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			if got := f.rows(`SELECT count(*) FROM landing.t WHERE _dpone_run_id = 'r-2'`); got[0][0] != tt.wantRun2 {
				t.Errorf("rows of run r-2: got %v, want %d", got[0][0], tt.wantRun2)
			}
			if pk := f.rows(`SELECT constraint_column_names FROM duckdb_constraints() WHERE table_name = 't' AND constraint_type = 'PRIMARY KEY'`); len(pk) != 1 {
				t.Errorf("primary key: got %v, want one on id", pk)
			}
		})
	}
}

// A rebuilt target keeps its column types, NOT NULL constraints and
// primary key exactly.
func TestMergeRebuildKeepsCatalog(t *testing.T) {
	f := newFixture(t)
	f.exec(`CREATE SCHEMA landing`)
	f.exec(`CREATE TYPE mood AS ENUM ('ok', 'sad')`)
	f.exec(`CREATE TABLE landing.t (id BIGINT PRIMARY KEY, name VARCHAR NOT NULL, m mood, d DECIMAL(18,3), s STRUCT("a b" INTEGER))`)
	f.exec(`INSERT INTO landing.t VALUES (1, 'a', 'ok', 1.5, {'a b': 1}), (2, 'b', 'sad', 2.5, {'a b': 2})`)
	catalog := `SELECT column_name, data_type, is_nullable FROM duckdb_columns() WHERE schema_name = 'landing' AND table_name = 't'`
	constraints := `SELECT constraint_type, constraint_column_names FROM duckdb_constraints() WHERE schema_name = 'landing' AND table_name = 't'`
	wantCols, wantCons := f.rows(catalog), f.rows(constraints)
	oid := f.tableOID("t")
	f.load(f.req("m", "t", sdk.ModeMerge, idName, "id"), idNameRecord(t, 2, "B", 3, "c"))
	if f.tableOID("t") == oid {
		t.Fatal("the merge did not rebuild the target")
	}
	if diff := cmp.Diff(wantCols, f.rows(catalog)); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantCons, f.rows(constraints)); diff != "" {
		t.Errorf("constraints (-want +got):\n%s", diff)
	}
	want := [][]any{{int64(1), "a", "ok"}, {int64(2), "B", nil}, {int64(3), "c", nil}}
	if diff := cmp.Diff(want, f.rows(`SELECT id, name, m FROM landing.t`)); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}
