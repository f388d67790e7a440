package clickhouse

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// TestMergeVersionColumn: a target incremental_merge creates is a
// ReplacingMergeTree versioned by _dpone_version, every published row
// carries its load's version, and a later publish gets a larger one, so
// the row ClickHouse keeps for a key is the newest published, whatever
// the order of the parts. Readers through dpone do not see the column.
func TestMergeVersionColumn(t *testing.T) {
	f := newFixture(t)
	f.load(f.req("ver-0", "ver", sdk.ModeMerge, idNameSchema, "id"), idNameRecord(t, 1, "a0", 2, "b0"))
	var engine string
	f.scalar("SELECT engine_full FROM system.tables WHERE database = '"+testDB+"' AND name = 'ver'", &engine)
	if want := "ReplacingMergeTree(" + versionColumn + ")"; len(engine) < len(want) || engine[:len(want)] != want {
		t.Fatalf("target engine %q, want %s ...", engine, want)
	}
	f.load(f.req("ver-1", "ver", sdk.ModeMerge, idNameSchema, "id"), idNameRecord(t, 1, "a1"))
	var distinct uint64
	f.scalar("SELECT uniqExact(_dpone_version) FROM "+qualified(testDB, "ver"), &distinct)
	if distinct != 2 {
		t.Errorf("%d distinct versions in the target, want one per load (2)", distinct)
	}
	var newer uint8
	f.scalar("SELECT (SELECT max(_dpone_version) FROM "+qualified(testDB, "ver")+" WHERE name = 'a1') > (SELECT max(_dpone_version) FROM "+qualified(testDB, "ver")+" WHERE name = 'a0')", &newer)
	if newer != 1 {
		t.Error("the second load's version is not larger than the first's")
	}
	if d := cmp.Diff([][]any{row(1, "a1"), row(2, "b0")}, f.idNames("ver")); d != "" {
		t.Errorf("read (-want +got):\n%s", d)
	}
	if rows := f.read("ver", ""); len(rows) > 0 && len(rows[0]) != 2 {
		t.Errorf("a read returns %d columns (%v), want id and name: %s is dpone's own", len(rows[0]), rows[0], versionColumn)
	}
	schema, _, _, err := f.c.DescribeTarget(f.ctx, f.cfg, sdk.TableRef{Namespace: testDB, Name: "ver"})
	if err != nil {
		t.Fatal(err)
	}
	if len(schema.FieldIndices(versionColumn)) > 0 {
		t.Errorf("DescribeTarget shows %s: %v", versionColumn, schema)
	}
}

// TestMergeLatestPublishWins: a load staged before another but published
// after it wins, with FINAL and after the parts are merged: the version
// is taken when the publish begins, not from the order of the parts
// (without a version column this held only most of the time).
func TestMergeLatestPublishWins(t *testing.T) {
	f := newFixture(t)
	for i := 0; i < 5; i++ {
		table := "order_" + string(rune('a'+i))
		f.load(f.req(table+"-0", table, sdk.ModeMerge, idNameSchema, "id"), idNameRecord(t, 1, "first", 2, "first"))
		later := f.req(table+"-2", table, sdk.ModeMerge, idNameSchema, "id")
		f.stage(later, idNameRecord(t, 1, "published last"))
		earlier := f.req(table+"-1", table, sdk.ModeMerge, idNameSchema, "id")
		f.stage(earlier, idNameRecord(t, 1, "published first", 2, "published first"))
		for _, r := range []sdk.LoadRequest{earlier, later} {
			if _, err := f.c.CommitLoad(f.ctx, r, json.RawMessage(`{}`)); err != nil {
				t.Fatalf("CommitLoad %s: %v", r.LoadID, err)
			}
		}
		want := [][]any{row(1, "published last"), row(2, "published first")}
		if d := cmp.Diff(want, f.idNames(table)); d != "" {
			t.Errorf("%s: read with FINAL (-want +got):\n%s", table, d)
		}
		f.exec("OPTIMIZE TABLE " + qualified(testDB, table) + " FINAL")
		var n uint64
		f.scalar("SELECT count() FROM "+qualified(testDB, table), &n)
		if n != 2 {
			t.Errorf("%s: after the merge: %d rows, want 2", table, n)
		}
		if d := cmp.Diff(want, f.idNames(table)); d != "" {
			t.Errorf("%s: after the merge (-want +got):\n%s", table, d)
		}
	}
}

// TestMergeIntoUnversionedTarget: a ReplacingMergeTree target without the
// version column (made by an earlier dpone) still takes merges, as
// before: staging is a copy of it, nothing is stamped.
func TestMergeIntoUnversionedTarget(t *testing.T) {
	f := newFixture(t)
	f.exec("DROP TABLE IF EXISTS " + qualified(testDB, "unver") + " SYNC")
	f.exec("CREATE TABLE " + qualified(testDB, "unver") + " (id Int64, name Nullable(String)) ENGINE = ReplacingMergeTree ORDER BY id")
	run := strconv.FormatInt(time.Now().UnixNano(), 36) // load ids new in every run (-count)
	f.load(f.req("unver-1-"+run, "unver", sdk.ModeMerge, idNameSchema, "id"), idNameRecord(t, 1, "a", 2, "b"))
	f.load(f.req("unver-2-"+run, "unver", sdk.ModeMerge, idNameSchema, "id"), idNameRecord(t, 2, "B"))
	if d := cmp.Diff([][]any{row(1, "a"), row(2, "B")}, f.idNames("unver")); d != "" {
		t.Errorf("read (-want +got):\n%s", d)
	}
	var n uint64
	f.scalar("SELECT count() FROM system.columns WHERE database = '"+testDB+"' AND table = 'unver' AND name = '"+versionColumn+"'", &n)
	if n != 0 {
		t.Errorf("the load added %s to a target it did not create", versionColumn)
	}
}

// TestAppendIntoVersionedTarget: an append into a target a merge created
// stamps its rows too, so they win over the rows loaded before them.
func TestAppendIntoVersionedTarget(t *testing.T) {
	f := newFixture(t)
	f.load(f.req("va-1", "va", sdk.ModeMerge, idNameSchema, "id"), idNameRecord(t, 1, "a", 2, "b"))
	f.load(f.req("va-2", "va", sdk.ModeAppend, idNameSchema, "id"), idNameRecord(t, 2, "B"))
	f.exec("OPTIMIZE TABLE " + qualified(testDB, "va") + " FINAL")
	if d := cmp.Diff([][]any{row(1, "a"), row(2, "B")}, f.idNames("va")); d != "" {
		t.Errorf("read (-want +got):\n%s", d)
	}
}

// TestFullRefreshVersionedTarget: a full_refresh of a versioned target
// keeps it versioned, leaves no load's default on the version column,
// and a merge after it still wins.
func TestFullRefreshVersionedTarget(t *testing.T) {
	f := newFixture(t)
	f.load(f.req("vf-1", "vf", sdk.ModeMerge, idNameSchema, "id"), idNameRecord(t, 1, "a", 2, "b"))
	f.load(f.req("vf-2", "vf", sdk.ModeFullRefresh, idNameSchema, "id"), idNameRecord(t, 1, "full", 2, "full"))
	var def string
	f.scalar("SELECT default_expression FROM system.columns WHERE database = '"+testDB+"' AND table = 'vf' AND name = '"+versionColumn+"'", &def)
	if def != "" {
		t.Errorf("the target's %s defaults to %q after the full_refresh, want no default", versionColumn, def)
	}
	f.load(f.req("vf-3", "vf", sdk.ModeMerge, idNameSchema, "id"), idNameRecord(t, 2, "merged"))
	f.exec("OPTIMIZE TABLE " + qualified(testDB, "vf") + " FINAL")
	if d := cmp.Diff([][]any{row(1, "full"), row(2, "merged")}, f.idNames("vf")); d != "" {
		t.Errorf("read (-want +got):\n%s", d)
	}
}

// TestVersionColumnNameRefused: a load whose own schema has
// _dpone_version into a versioned target fails before staging, naming
// the column and the fix.
func TestVersionColumnNameRefused(t *testing.T) {
	f := newFixture(t)
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: versionColumn, Type: arrow.PrimitiveTypes.Int64}}, nil)
	_, err := f.c.BeginLoad(f.ctx, f.req("vname-1", "vname", sdk.ModeMerge, schema, "id"))
	if sdk.CodeOf(err) != sdk.CodeSchema || !strings.Contains(err.Error(), versionColumn) || !strings.Contains(err.Error(), "rename") {
		t.Fatalf("BeginLoad: %v, want a SCHEMA error naming %s and the fix", err, versionColumn)
	}
	var n uint64
	f.scalar("SELECT count() FROM system.tables WHERE database = '"+testDB+"' AND name = '"+sdk.StagingName("vname-1")+"'", &n)
	if n != 0 {
		t.Errorf("%d staging tables left", n)
	}
}
