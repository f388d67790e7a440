package sdk

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadRequestStrategy(t *testing.T) {
	half, third := 0.5, 0.3
	tests := []struct {
		name     string
		mode     string
		key      []string
		strategy string
		want     Strategy
		wantCode Code
	}{
		{name: "merge", mode: ModeMerge, key: []string{"id"}, strategy: `{"mode":"incremental_merge","unique_key":["id"]}`,
			want: Strategy{Mode: ModeMerge, UniqueKey: []string{"id"}}},
		{name: "merge without key", mode: ModeMerge, wantCode: CodeConfig},
		{name: "snapshot defaults", mode: ModeSnapshotDiff, key: []string{"id"},
			want: Strategy{Mode: ModeSnapshotDiff, UniqueKey: []string{"id"}, Deletes: "hard", MaxDeleteRatio: &half}},
		{name: "snapshot soft", mode: ModeSnapshotDiff, key: []string{"id"}, strategy: `{"deletes":"soft","max_delete_ratio":0.3}`,
			want: Strategy{Mode: ModeSnapshotDiff, UniqueKey: []string{"id"}, Deletes: "soft", MaxDeleteRatio: &third}},
		{name: "bad deletes", mode: ModeSnapshotDiff, key: []string{"id"}, strategy: `{"deletes":"sometimes"}`, wantCode: CodeConfig},
		{name: "bad ratio", mode: ModeSnapshotDiff, key: []string{"id"}, strategy: `{"max_delete_ratio":2}`, wantCode: CodeConfig},
		{name: "replace", mode: ModeReplace, strategy: `{"where":"day = '2026-01-01'"}`,
			want: Strategy{Mode: ModeReplace, Where: "day = '2026-01-01'"}},
		{name: "replace without where", mode: ModeReplace, wantCode: CodeConfig},
		{name: "partition by one", mode: ModePartitionReplace, strategy: `{"partition_by":"day"}`,
			want: Strategy{Mode: ModePartitionReplace, PartitionBy: ColumnNames{"day"}}},
		{name: "partition by list", mode: ModePartitionReplace, strategy: `{"partition_by":["a","b"]}`,
			want: Strategy{Mode: ModePartitionReplace, PartitionBy: ColumnNames{"a", "b"}}},
		{name: "unknown key", mode: ModeAppend, strategy: `{"wher":"x"}`, wantCode: CodeConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := LoadRequest{Mode: tt.mode, UniqueKey: tt.key}
			got, err := r.Strategy(LoadOptions{Strategy: json.RawMessage(tt.strategy)})
			if tt.wantCode != CodeInternal {
				if CodeOf(err) != tt.wantCode || err == nil {
					t.Fatalf("got error %v, want code %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("strategy (-want +got):\n%s", diff)
			}
		})
	}
}
