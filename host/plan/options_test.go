package plan

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/schema"
)

// TestBeginRequest: a v1.0 sink gets the v1.0 options_json (lineage and
// strategy inside it); a v1.1 sink gets typed options and only its own
// sink.options.
func TestBeginRequest(t *testing.T) {
	at := time.Date(2026, 11, 26, 5, 0, 0, 0, time.UTC)
	legacySpec := &catalog.Spec{Capabilities: catalog.Capabilities{Destination: true}}
	typedSpec := &catalog.Spec{Capabilities: catalog.Capabilities{Destination: true, TypedOptions: true}}
	lin := func(run, loaded string) *catalog.Lineage {
		return &catalog.Lineage{RunID: "r-1", LoadedAt: "2026-11-26T05:00:00Z", RunIDColumn: run, LoadedAtColumn: loaded}
	}
	tests := []struct {
		name      string
		options   map[string]any
		want      map[string]any
		wantTyped *catalog.Lineage
		wantOwn   string
		wantErr   string
	}{
		{
			name: "default lineage",
			want: map[string]any{"lineage": map[string]any{"run_id": "r-1", "loaded_at": "2026-11-26T05:00:00Z",
				"run_id_column": "_dpone_run_id", "loaded_at_column": "_dpone_loaded_at"}},
			wantTyped: lin("_dpone_run_id", "_dpone_loaded_at"), wantOwn: "{}",
		},
		{
			name:    "lineage off",
			options: map[string]any{"lineage": false, "batch": 5.0, "schema_evolution": map[string]any{"mode": "additive"}, "quality_gates": map[string]any{}},
			want: map[string]any{"batch": 5.0, "lineage": map[string]any{"run_id": "r-1", "loaded_at": "2026-11-26T05:00:00Z",
				"run_id_column": "", "loaded_at_column": ""}},
			wantOwn: `{"batch":5}`,
		},
		{
			name:    "renamed columns",
			options: map[string]any{"lineage": map[string]any{"run_id_column": "etl_run"}},
			want: map[string]any{"lineage": map[string]any{"run_id": "r-1", "loaded_at": "2026-11-26T05:00:00Z",
				"run_id_column": "etl_run", "loaded_at_column": "_dpone_loaded_at"}},
			wantTyped: lin("etl_run", "_dpone_loaded_at"), wantOwn: "{}",
		},
		{name: "unknown lineage key", options: map[string]any{"lineage": map[string]any{"run_col": "x"}}, wantErr: `unknown key "run_col"`},
		{name: "lineage of the wrong type", options: map[string]any{"lineage": "yes"}, wantErr: "must be false or a map"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := &manifest.Unit{ID: "s.t", Sink: manifest.Endpoint{Options: tt.options,
				Strategy: manifest.Strategy{Mode: "snapshot_diff", UniqueKey: []string{"id"}, Extra: map[string]any{"deletes": "soft"}}}}
			legacy, err := BeginRequest(u, legacySpec, nil, "l1", nil, nil, "r-1", at)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(legacy.OptionsJSON, &got); err != nil {
				t.Fatal(err)
			}
			tt.want["strategy"] = map[string]any{"mode": "snapshot_diff", "unique_key": []any{"id"}, "deletes": "soft"}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("v1.0 sink options (-want +got):\n%s", diff)
			}
			if legacy.Load != nil {
				t.Errorf("v1.0 sink got typed options %v", legacy.Load)
			}
			typed, err := BeginRequest(u, typedSpec, nil, "l1", nil, nil, "r-1", at)
			if err != nil {
				t.Fatal(err)
			}
			if string(typed.OptionsJSON) != tt.wantOwn {
				t.Errorf("v1.1 options_json: got %s, want %s", typed.OptionsJSON, tt.wantOwn)
			}
			wantLoad := &catalog.LoadOptions{Lineage: tt.wantTyped, ModeOptions: &catalog.ModeOptions{Deletes: "soft"}}
			if diff := cmp.Diff(wantLoad, typed.Load); diff != "" {
				t.Errorf("v1.1 load options (-want +got):\n%s", diff)
			}
			if typed.Mode != "snapshot_diff" || !slices.Equal(typed.UniqueKey, []string{"id"}) {
				t.Errorf("mode/key: got %s %v", typed.Mode, typed.UniqueKey)
			}
		})
	}
}

// TestBeginRequestConfigError: a mode option the protocol cannot carry is
// a CONFIG error naming the manifest key.
func TestBeginRequestConfigError(t *testing.T) {
	u := &manifest.Unit{ID: "s.t", Sink: manifest.Endpoint{Strategy: manifest.Strategy{Mode: "replace", Extra: map[string]any{"wher": "x"}}}}
	_, err := BeginRequest(u, &catalog.Spec{Capabilities: catalog.Capabilities{TypedOptions: true}}, nil, "l1", nil, nil, "r-1", time.Now())
	if !errors.Is(err, schema.ErrConfig) || !strings.Contains(err.Error(), "unit s.t: sink.strategy.wher: unknown key") {
		t.Errorf("got %v, want a CONFIG error naming sink.strategy.wher", err)
	}
}

// TestSourceOptions: host keys reach only v1.0 sources.
func TestSourceOptions(t *testing.T) {
	u := &manifest.Unit{ID: "s.t", Source: manifest.Endpoint{Options: map[string]any{"incremental_column": "at", "parallel": 2, "batch_bytes": 1024}}}
	typed, err := SourceOptions(u, &catalog.Spec{Capabilities: catalog.Capabilities{TypedOptions: true}})
	if err != nil || string(typed) != `{"incremental_column":"at"}` {
		t.Errorf("v1.1 source: got %s, %v", typed, err)
	}
	legacy, err := SourceOptions(u, &catalog.Spec{})
	if err != nil || string(legacy) != `{"batch_bytes":1024,"incremental_column":"at","parallel":2}` {
		t.Errorf("v1.0 source: got %s, %v", legacy, err)
	}
}

func TestIncremental(t *testing.T) {
	tests := []struct {
		strategy, mode string
		want           bool
	}{
		{"column", "incremental_merge", true},
		{"column", "incremental_append", true},
		{"column", "full_refresh", false},
		{"column", "snapshot_diff", false},
		{"", "incremental_append", false},
	}
	for _, tt := range tests {
		u := &manifest.Unit{Source: manifest.Endpoint{Options: map[string]any{"incremental_strategy": tt.strategy}},
			Sink: manifest.Endpoint{Strategy: manifest.Strategy{Mode: tt.mode}}}
		if got := Incremental(u); got != tt.want {
			t.Errorf("Incremental(%q, %q): got %v, want %v", tt.strategy, tt.mode, got, tt.want)
		}
	}
}
