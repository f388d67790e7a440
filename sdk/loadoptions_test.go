package sdk

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/loadopts"
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
		{name: "scd2 defaults", mode: ModeSCD2, key: []string{"id"},
			want: Strategy{Mode: ModeSCD2, UniqueKey: []string{"id"}, SCD2: SCD2{ValidFrom: DefaultValidFromColumn,
				ValidTo: DefaultValidToColumn, IsCurrent: DefaultIsCurrentColumn, HardDeletes: HardDeletesIgnore}}},
		{name: "scd2 named", mode: ModeSCD2, key: []string{"id"},
			strategy: `{"scd2":{"tracked_columns":["name"],"valid_from":"vf","valid_to":"vt","is_current":"cur","hard_deletes":"close"}}`,
			want: Strategy{Mode: ModeSCD2, UniqueKey: []string{"id"}, SCD2: SCD2{TrackedColumns: []string{"name"},
				ValidFrom: "vf", ValidTo: "vt", IsCurrent: "cur", HardDeletes: HardDeletesClose}}},
		{name: "scd2 without key", mode: ModeSCD2, wantCode: CodeConfig},
		{name: "scd2 bad hard_deletes", mode: ModeSCD2, key: []string{"id"}, strategy: `{"scd2":{"hard_deletes":"delete"}}`, wantCode: CodeConfig},
		{name: "scd2 key tracked", mode: ModeSCD2, key: []string{"id"}, strategy: `{"scd2":{"tracked_columns":["id"]}}`, wantCode: CodeConfig},
		{name: "scd2 column twice", mode: ModeSCD2, key: []string{"id"}, strategy: `{"scd2":{"valid_from":"v","valid_to":"v"}}`, wantCode: CodeConfig},
		{name: "scd2 history column is key", mode: ModeSCD2, key: []string{"id"}, strategy: `{"scd2":{"is_current":"id"}}`, wantCode: CodeConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := LoadRequest{Mode: tt.mode, UniqueKey: tt.key}
			if tt.strategy != "" {
				if err := json.Unmarshal([]byte(tt.strategy), &r.Load.Strategy); err != nil {
					t.Fatal(err)
				}
			}
			got, err := r.Strategy()
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

// recordDest records the LoadRequest of its last BeginLoad.
type recordDest struct{ stateDest }

var lastBegin LoadRequest

func (recordDest) BeginLoad(_ context.Context, req LoadRequest) (string, error) {
	lastBegin = req
	return "stg", nil
}

// TestLoadOptionsOneReader: a v1.1 request (typed options) and a v1.0
// request (options_json), both built by the host's builder, reach the
// destination as the same LoadRequest; the connector's own options come
// without host keys either way.
func TestLoadOptionsOneReader(t *testing.T) {
	at := time.Date(2026, 11, 26, 5, 0, 0, 123, time.UTC)
	l := loadopts.Load{Mode: ModeSnapshotDiff, UniqueKey: []string{"id"},
		ModeOptions: map[string]any{"deletes": "soft", "max_delete_ratio": 0.25},
		Options:     map[string]any{"own": "x"},
		Lineage:     &loadopts.Lineage{RunID: "r-1", LoadedAt: at, RunIDColumn: "_dpone_run_id", LoadedAtColumn: "_dpone_loaded_at"}}
	s := newServer(recordDest{}, nil)
	if !capabilities(recordDest{}, Spec{}).GetTypedOptions() {
		t.Fatal("the SDK does not advertise typed_options")
	}
	var got [2]LoadRequest
	for i, typed := range []bool{true, false} {
		req := &connectorv1.BeginLoadRequest{LoadId: "l1"}
		if err := l.Apply(req, typed); err != nil {
			t.Fatal(err)
		}
		resp, err := s.BeginLoad(context.Background(), req)
		if err != nil || resp.GetError() != nil {
			t.Fatalf("typed=%v: %v %v", typed, err, resp.GetError())
		}
		got[i] = lastBegin
	}
	quarter := 0.25
	want := LoadOptions{Lineage: &Lineage{RunID: "r-1", LoadedAt: "2026-11-26T05:00:00.000000123Z",
		RunIDColumn: "_dpone_run_id", LoadedAtColumn: "_dpone_loaded_at"},
		Strategy: Strategy{Deletes: "soft", MaxDeleteRatio: &quarter}}
	for i, name := range []string{"v1.1", "v1.0"} {
		if diff := cmp.Diff(want, got[i].Load); diff != "" {
			t.Errorf("%s load options (-want +got):\n%s", name, diff)
		}
		if string(got[i].Options) != `{"own":"x"}` {
			t.Errorf("%s own options: got %s, want {\"own\":\"x\"}", name, got[i].Options)
		}
		st, err := got[i].Strategy()
		if err != nil || st.Mode != ModeSnapshotDiff || st.Deletes != "soft" || *st.MaxDeleteRatio != 0.25 {
			t.Errorf("%s strategy: got %+v, %v", name, st, err)
		}
	}
	// A v1.0 request whose options do not parse still aborts.
	bad := &connectorv1.BeginLoadRequest{LoadId: "l1", OptionsJson: []byte(`{"strategy":{"wher":"x"}}`)}
	if resp, _ := s.BeginLoad(context.Background(), bad); resp.GetError().GetCode() != connectorv1.ErrorCode_ERROR_CODE_CONFIG {
		t.Errorf("bad strategy: got %v, want CONFIG", resp.GetError())
	}
	if resp, _ := s.AbortLoad(context.Background(), &connectorv1.AbortLoadRequest{LoadId: "l1", Begin: bad}); resp.GetError() != nil {
		t.Errorf("abort with bad options: got %v, want success", resp.GetError())
	}
}

func TestSCD2Tracked(t *testing.T) {
	o, err := SCD2{}.withDefaults([]string{"id"})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"id", "name", "score", "_dpone_run_id", DefaultIsCurrentColumn}
	got, err := o.Tracked(names, []string{"id"}, []string{"_dpone_run_id"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"name", "score"}, got); diff != "" {
		t.Errorf("default tracked (-want +got):\n%s", diff)
	}
	o.TrackedColumns = []string{"nope"}
	if _, err := o.Tracked(names, []string{"id"}, nil); CodeOf(err) != CodeConfig {
		t.Errorf("tracked column not loaded: got %v, want a CONFIG error", err)
	}
}
