package mssql

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// swapTarget is an existing target shaped as the sink creates it for
// testSchema, with the lineage columns the host creates.
func swapTarget() targetInfo {
	return targetInfo{Exists: true, Columns: []column{
		{Name: "id", Type: "bigint", MaxLength: 8, Precision: 19},
		{Name: "name", Type: "nvarchar", MaxLength: -1, Nullable: true, Collation: "SQL_Latin1_General_CP1_CI_AS"},
		{Name: "amount", Type: "decimal", MaxLength: 17, Precision: 38, Scale: 10, Nullable: true},
		{Name: "code", Type: "uniqueidentifier", MaxLength: 16, Nullable: true},
		{Name: "at", Type: "datetimeoffset", MaxLength: 10, Precision: 33, Scale: 6, Nullable: true},
		{Name: "odd]name", Type: "bit", MaxLength: 1, Precision: 1, Nullable: true},
		{Name: "_dpone_run_id", Type: "nvarchar", MaxLength: -1, Nullable: true, Collation: "SQL_Latin1_General_CP1_CI_AS"},
		{Name: "_dpone_loaded_at", Type: "datetimeoffset", MaxLength: 10, Precision: 33, Scale: 6, Nullable: true},
	}}
}

// TestSwapSQL pins the full_refresh swap: the blocker query, the staging
// shaped like the target (or like the table the sink creates), the
// lineage check and the publish (key, count, drop, sp_rename, receipt),
// for a schema and a three-part name.
func TestSwapSQL(t *testing.T) {
	for _, tc := range []struct {
		name, ns string
		ti       targetInfo
	}{{"swap_existing", "sales", swapTarget()}, {"swap_absent", "sales", targetInfo{}}, {"swap_threepart", "crm.sales", swapTarget()}} {
		t.Run(tc.name, func(t *testing.T) {
			l := testLoad(t, sdk.ModeFullRefresh, tc.ns, true)
			l.req.UniqueKey = []string{"id"}
			defs, reason, err := l.swapShape(tc.ti)
			if err != nil || reason != "" {
				t.Fatalf("swapShape: %q, %v; want a swap", reason, err)
			}
			stg := tc.ti
			if !stg.Exists {
				stg = targetInfo{Columns: []column{{Name: "_dpone_run_id"}}}
			}
			check, ok := l.lineageCheckSQL(stg)
			if !ok {
				t.Fatal("no lineage check for a staging with lineage columns")
			}
			parts := []stmt{{SQL: l.swapBlockerSQL()}, {SQL: l.swapStagingDDL(defs)}, {SQL: l.columnsSQL(sdk.StagingName("L1"))}, check}
			golden(t, tc.name+".sql", render(append(parts, l.swapPublish(tc.ti, `{"k":"v"}`)...)))
		})
	}
}

// TestSwapShape: a target swaps only when staging can be exactly like it
// and the bulk copy can fill every column; otherwise the reason names the
// column.
func TestSwapShape(t *testing.T) {
	edit := func(f func(*targetInfo)) targetInfo {
		ti := swapTarget()
		ti.Columns = append([]column(nil), ti.Columns...)
		f(&ti)
		return ti
	}
	for _, tc := range []struct {
		name string
		ti   targetInfo
		want string // substring of the reason; "" = swaps
	}{
		{"as created", swapTarget(), ""},
		{"absent", targetInfo{}, ""},
		{"other type", edit(func(ti *targetInfo) { ti.Columns[0].Type = "int" }), "column id is int in the target, bigint in the load"},
		{"varchar code page", edit(func(ti *targetInfo) {
			ti.Columns[1] = column{Name: "name", Type: "varchar", MaxLength: 50, Nullable: true, Collation: "SQL_Latin1_General_CP1_CI_AS"}
		}), "non-UTF-8 collation"},
		{"identity", edit(func(ti *targetInfo) { ti.Columns[0].Identity = true }), "computed, rowversion or identity"},
		{"rowversion", edit(func(ti *targetInfo) { ti.Columns = append(ti.Columns, column{Name: "rv", Type: "timestamp"}) }), "column rv is computed"},
		{"extra column", edit(func(ti *targetInfo) {
			ti.Columns = append(ti.Columns, column{Name: "note", Type: "int", Nullable: true})
		}), "column note is not loaded"},
		{"missing column", edit(func(ti *targetInfo) { ti.Columns = ti.Columns[1:] }), "column id is not in the target"},
		{"missing lineage", edit(func(ti *targetInfo) { ti.Columns = ti.Columns[:7] }), "column _dpone_loaded_at is not in the target"},
		{"lineage type", edit(func(ti *targetInfo) { ti.Columns[7].Type = "datetime2" }), "lineage column _dpone_loaded_at is datetime2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := testLoad(t, sdk.ModeFullRefresh, "sales", true)
			_, reason, err := l.swapShape(tc.ti)
			if err != nil {
				t.Fatal(err)
			}
			if (tc.want == "") != (reason == "") || !strings.Contains(reason, tc.want) {
				t.Fatalf("got reason %q, want %q", reason, tc.want)
			}
		})
	}
}

// TestSwapReady: the commit swaps only a staging prepared for it whose
// columns are still exactly the target's.
func TestSwapReady(t *testing.T) {
	l := testLoad(t, sdk.ModeFullRefresh, "sales", true)
	ti := swapTarget()
	changed := swapTarget()
	changed.Columns[1].Collation = "Latin1_General_100_CI_AS"
	heap := swapTarget()
	heap.Columns = append(heap.Columns, column{Name: seqColumn, Type: "bigint"})
	for _, tc := range []struct {
		name    string
		ti, stg targetInfo
		want    string
	}{
		{"prepared", ti, ti, ""},
		{"absent target", targetInfo{}, ti, ""},
		{"heap staging", ti, heap, "staging was not prepared for a swap at begin"},
		{"target changed", changed, ti, "the target's columns changed since begin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := l.swapReady(tc.ti, tc.stg); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestStagingLineage: Write appends the lineage values (a string and a
// UTC time) for the lineage columns a swap staging has, and nothing for
// a heap staging.
func TestStagingLineage(t *testing.T) {
	l := testLoad(t, sdk.ModeFullRefresh, "sales", true)
	names, vals, err := l.stagingLineage(swapTarget())
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"run-1", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
	if diff := cmp.Diff([]string{"_dpone_run_id", "_dpone_loaded_at"}, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, vals); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	names, _, _ = l.stagingLineage(targetInfo{Columns: []column{{Name: "id"}, {Name: seqColumn}}})
	if len(names) != 0 {
		t.Errorf("heap staging: got lineage columns %v, want none", names)
	}
	l.req.Load.Lineage.LoadedAt = "yesterday"
	if _, _, err := l.stagingLineage(swapTarget()); sdk.CodeOf(err) != sdk.CodeConfig {
		t.Errorf("bad loaded_at: got %v, want CONFIG", err)
	}
}
