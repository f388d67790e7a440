package plan

import (
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
