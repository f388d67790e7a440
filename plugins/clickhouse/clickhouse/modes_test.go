package clickhouse

import (
	"encoding/json"
	"fmt"
	"sort"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// rowsOf reads id, name of a table ordered by id.
func (f *fixture) idNames(table string) [][]any {
	f.t.Helper()
	rows := f.read(table, "")
	out := make([][]any, 0, len(rows))
	for _, r := range rows {
		out = append(out, r[:2])
	}
	slicesSortByID(out)
	return out
}

// slicesSortByID orders rows by id, then name.
func slicesSortByID(rows [][]any) {
	sort.Slice(rows, func(i, j int) bool {
		if a, b := rows[i][0].(int64), rows[j][0].(int64); a != b {
			return a < b
		}
		return fmt.Sprint(rows[i][1]) < fmt.Sprint(rows[j][1])
	})
}

func row(id int64, name any) []any { return []any{id, name} }

func TestModes(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		mode, opts string
		keys       []string
		want       [][]any
	}{
		{sdk.ModeFullRefresh, "", nil, [][]any{row(2, "B"), row(3, "c")}},
		{sdk.ModeAppend, "", nil, [][]any{row(1, "a"), row(2, "B"), row(2, "b"), row(3, "c")}},
		{sdk.ModeMerge, "", []string{"id"}, [][]any{row(1, "a"), row(2, "B"), row(3, "c")}},
		{sdk.ModeMerge, `{"merge":"delete_insert"}`, []string{"id"}, [][]any{row(1, "a"), row(2, "B"), row(3, "c")}},
	} {
		name := tc.mode
		if tc.opts != "" {
			name += "_delete_insert"
		}
		t.Run(name, func(t *testing.T) {
			f.t = t
			table := "modes_" + name
			r1 := f.req(name+"-1", table, tc.mode, idNameSchema, tc.keys...)
			r1.Options = json.RawMessage(tc.opts)
			f.load(r1, idNameRecord(t, 1, "a", 2, "b"))
			r2 := f.req(name+"-2", table, tc.mode, idNameSchema, tc.keys...)
			r2.Options = json.RawMessage(tc.opts)
			res := f.load(r2, idNameRecord(t, 2, "B", 3, "c"))
			if res.RowsInserted != 2 {
				t.Errorf("second load: got %d rows inserted, want 2", res.RowsInserted)
			}
			if d := cmp.Diff(tc.want, f.idNames(table)); d != "" {
				t.Errorf("target after two loads (-want +got):\n%s", d)
			}
			// Committing again changes nothing.
			if _, err := f.c.CommitLoad(f.ctx, r2, nil); err != nil {
				t.Errorf("second CommitLoad: %v", err)
			}
			if d := cmp.Diff(tc.want, f.idNames(table)); d != "" {
				t.Errorf("target after a second CommitLoad (-want +got):\n%s", d)
			}
			var n uint64
			f.scalar(fmt.Sprintf("SELECT count() FROM %s._dpone_loads FINAL WHERE load_id IN ('%s-1', '%s-2')", quote(testDB), name, name), &n)
			if n != 2 {
				t.Errorf("receipts: got %d, want 2", n)
			}
		})
	}
	f.t = t
}

// TestMergeRefusesPlainTarget: a replacing merge into a target that is
// not a ReplacingMergeTree ordered by the key is refused before staging.
func TestMergeRefusesPlainTarget(t *testing.T) {
	f := newFixture(t)
	f.load(f.req("plain-1", "plain", sdk.ModeAppend, idNameSchema), idNameRecord(t, 1, "a"))
	_, err := f.c.BeginLoad(f.ctx, f.req("plain-2", "plain", sdk.ModeMerge, idNameSchema, "id"))
	if sdk.CodeOf(err) != sdk.CodeSchema {
		t.Fatalf("merge into a MergeTree: got %v, want a SCHEMA error", err)
	}
	r := f.req("plain-3", "plain", sdk.ModeMerge, idNameSchema, "id")
	r.Options = json.RawMessage(`{"merge":"delete_insert"}`)
	f.load(r, idNameRecord(t, 1, "A"))
	if d := cmp.Diff([][]any{row(1, "A")}, f.idNames("plain")); d != "" {
		t.Errorf("delete_insert into a MergeTree (-want +got):\n%s", d)
	}
}

// TestWriteDeduplicatesResentBlocks: the same records written twice into
// one load are stored once (insert_deduplication_token).
func TestWriteDeduplicatesResentBlocks(t *testing.T) {
	f := newFixture(t)
	r := f.req("dedup-1", "dedup", sdk.ModeAppend, idNameSchema)
	rec := idNameRecord(t, 1, "a", 2, "b")
	f.stage(r, rec)
	if _, err := f.c.Write(f.ctx, r, &sliceReader{schema: idNameSchema, recs: []arrow.RecordBatch{rec}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.CommitLoad(f.ctx, r, nil); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([][]any{row(1, "a"), row(2, "b")}, f.idNames("dedup")); d != "" {
		t.Errorf("target after a re-sent Write (-want +got):\n%s", d)
	}
}
