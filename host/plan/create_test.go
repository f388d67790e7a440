package plan

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/manifest"
)

// TestCreatedKey: the primary key of a created target is unique_key for
// merge and snapshot_diff, unique_key or else the source's key for
// full_refresh, and none for the modes that keep history.
func TestCreatedKey(t *testing.T) {
	src := &catalog.Schema{Fields: []*catalog.Field{
		{Name: "region", PrimaryKeyPosition: 2}, {Name: "v"}, {Name: "id", PrimaryKeyPosition: 1},
	}}
	partial := &catalog.Schema{Fields: []*catalog.Field{{Name: "region", PrimaryKeyPosition: 2}, {Name: "v"}}}
	tests := []struct {
		name   string
		mode   string
		key    []string
		schema *catalog.Schema
		want   []string
	}{
		{"merge takes unique_key", "incremental_merge", []string{"v"}, src, []string{"v"}},
		{"snapshot_diff takes unique_key", "snapshot_diff", []string{"id"}, src, []string{"id"}},
		{"full_refresh prefers unique_key", "full_refresh", []string{"v"}, src, []string{"v"}},
		{"full_refresh takes the source key in key order", "full_refresh", nil, src, []string{"id", "region"}},
		{"a partial source key is no key", "full_refresh", nil, partial, nil},
		{"append keeps history", "incremental_append", []string{"id"}, src, nil},
		{"replace keeps history", "replace", nil, src, nil},
		{"scd2 keeps history", "scd2", []string{"id"}, src, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := &manifest.Unit{ID: "u"}
			u.Sink.Strategy.Mode, u.Sink.Strategy.UniqueKey = tt.mode, tt.key
			if diff := cmp.Diff(tt.want, createdKey(u, tt.schema)); diff != "" {
				t.Errorf("created key (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSCD2TargetFields: a target created for scd2 gets the history
// columns (named by the strategy, else the defaults) after the loaded and
// lineage columns; the schema evolution policy manages them.
func TestSCD2TargetFields(t *testing.T) {
	load := &catalog.Schema{Fields: []*catalog.Field{
		{Name: "id", Type: &catalog.LogicalType{Kind: catalog.KindInt64}},
		{Name: "name", Nullable: true, Type: &catalog.LogicalType{Kind: catalog.KindString}}}}
	for _, tt := range []struct {
		name  string
		extra map[string]any
		want  []string
	}{
		{"defaults", nil, []string{"id", "name", "_dpone_run_id", "_dpone_loaded_at", "_dpone_valid_from", "_dpone_valid_to", "_dpone_is_current"}},
		{"named", map[string]any{"valid_from": "vf", "valid_to": "vt", "is_current": "cur"},
			[]string{"id", "name", "_dpone_run_id", "_dpone_loaded_at", "vf", "vt", "cur"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u := &manifest.Unit{ID: "u"}
			u.Sink.Strategy = manifest.Strategy{Mode: "scd2", UniqueKey: []string{"id"}, Extra: tt.extra}
			fields, err := targetFields(u, load)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range fields {
				got = append(got, f.GetName())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			last := fields[len(fields)-1]
			if last.GetType().GetKind() != catalog.KindBool || fields[len(fields)-3].GetType().GetKind() != catalog.KindTimestamp {
				t.Errorf("history column types: got %v and %v, want timestamp and bool", fields[len(fields)-3].GetType(), last.GetType())
			}
			p, err := Policy(u)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range tt.want[4:] {
				if !slices.Contains(p.Managed, c) {
					t.Errorf("policy.Managed = %v, want it to hold %s", p.Managed, c)
				}
			}
		})
	}
}
