package sdk

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"
)

func TestCreatedKey(t *testing.T) {
	pk := func(name, pos string) arrow.Field {
		return arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Int64, Metadata: arrow.NewMetadata([]string{MetaPrimaryKey}, []string{pos})}
	}
	plain := arrow.Field{Name: "v", Type: arrow.BinaryTypes.String}
	src := arrow.NewSchema([]arrow.Field{pk("region", "2"), plain, pk("id", "1")}, nil)
	tests := []struct {
		name   string
		mode   string
		key    []string
		schema *arrow.Schema
		want   []string
	}{
		{"merge takes unique_key", ModeMerge, []string{"v"}, src, []string{"v"}},
		{"snapshot_diff takes unique_key", ModeSnapshotDiff, []string{"id"}, src, []string{"id"}},
		{"full_refresh prefers unique_key", ModeFullRefresh, []string{"v"}, src, []string{"v"}},
		{"full_refresh takes the source key in key order", ModeFullRefresh, nil, src, []string{"id", "region"}},
		{"a partial source key is no key", ModeFullRefresh, nil, arrow.NewSchema([]arrow.Field{pk("region", "2"), plain}, nil), nil},
		{"a repeated position is no key", ModeFullRefresh, nil, arrow.NewSchema([]arrow.Field{pk("a", "1"), pk("b", "1")}, nil), nil},
		{"append keeps history", ModeAppend, []string{"id"}, src, nil},
		{"no schema", ModeFullRefresh, nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := LoadRequest{Mode: tt.mode, UniqueKey: tt.key, Schema: tt.schema}.CreatedKey()
			if len(tt.want) == 0 && len(got) == 0 {
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("created key (-want +got):\n%s", diff)
			}
		})
	}
}
