package plan

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/host/manifest"
)

func TestSinkOptions(t *testing.T) {
	at := time.Date(2026, 11, 26, 5, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		options map[string]any
		want    map[string]any
		wantErr string
	}{
		{
			name: "default lineage",
			want: map[string]any{"lineage": map[string]any{"run_id": "r-1", "loaded_at": "2026-11-26T05:00:00Z",
				"run_id_column": "_dpone_run_id", "loaded_at_column": "_dpone_loaded_at"}},
		},
		{
			name:    "lineage off",
			options: map[string]any{"lineage": false, "batch": 5.0},
			want: map[string]any{"batch": 5.0, "lineage": map[string]any{"run_id": "r-1", "loaded_at": "2026-11-26T05:00:00Z",
				"run_id_column": "", "loaded_at_column": ""}},
		},
		{
			name:    "renamed columns",
			options: map[string]any{"lineage": map[string]any{"run_id_column": "etl_run"}},
			want: map[string]any{"lineage": map[string]any{"run_id": "r-1", "loaded_at": "2026-11-26T05:00:00Z",
				"run_id_column": "etl_run", "loaded_at_column": "_dpone_loaded_at"}},
		},
		{name: "unknown lineage key", options: map[string]any{"lineage": map[string]any{"run_col": "x"}}, wantErr: `unknown key "run_col"`},
		{name: "lineage of the wrong type", options: map[string]any{"lineage": "yes"}, wantErr: "must be false or a map"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := &manifest.Unit{ID: "s.t", Sink: manifest.Endpoint{Options: tt.options,
				Strategy: manifest.Strategy{Mode: "incremental_merge", UniqueKey: []string{"id"}, Extra: map[string]any{"deletes": "soft"}}}}
			b, err := sinkOptions(u, "r-1", at)
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
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			tt.want["strategy"] = map[string]any{"mode": "incremental_merge", "unique_key": []any{"id"}, "deletes": "soft"}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("sink options (-want +got):\n%s", diff)
			}
		})
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
