package plan

import (
	"errors"
	"strings"
	"testing"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/manifest"
)

func TestCheckCapabilities(t *testing.T) {
	src := &catalog.Spec{Capabilities: catalog.Capabilities{Source: true, IncrementalStrategies: []string{"column"}}}
	sink := &catalog.Spec{Capabilities: catalog.Capabilities{Destination: true, SinkModes: []string{"full_refresh", "incremental_merge"}}}
	notSink := &catalog.Spec{Capabilities: catalog.Capabilities{Source: true}}
	unit := func(strategy, mode string) *manifest.Unit {
		return &manifest.Unit{ID: "s.t", Source: manifest.Endpoint{Type: "pg", Options: map[string]any{"incremental_strategy": strategy}},
			Sink: manifest.Endpoint{Type: "duck", Strategy: manifest.Strategy{Mode: mode}}}
	}
	tests := []struct {
		name    string
		u       *manifest.Unit
		sink    *catalog.Spec
		wantErr string
	}{
		{"supported", unit("column", "incremental_merge"), sink, ""},
		{"mode not supported", unit("", "scd2"), sink, `does not support mode "scd2" (it supports: full_refresh, incremental_merge)`},
		{"strategy not supported", unit("xmin", "full_refresh"), sink, `does not support incremental_strategy "xmin" (it supports: column)`},
		{"not a sink", unit("", "full_refresh"), notSink, "cannot be a sink"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkCapabilities(tt.u, src, tt.sink)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrUnsupported) {
				t.Fatalf("got %v, want ErrUnsupported containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	unit := func(opts map[string]any, mode string) *manifest.Unit {
		return &manifest.Unit{ID: "s.t", Source: manifest.Endpoint{Options: opts}, Sink: manifest.Endpoint{Strategy: manifest.Strategy{Mode: mode}}}
	}
	tests := []struct {
		name string
		u    *manifest.Unit
		want int
	}{
		{"xmin into append", unit(map[string]any{"incremental_strategy": "xmin"}, "incremental_append"), 1},
		{"lookback into append", unit(map[string]any{"incremental_strategy": "column", "lookback": "1 hour"}, "incremental_append"), 1},
		{"xmin into merge", unit(map[string]any{"incremental_strategy": "xmin"}, "incremental_merge"), 0},
		{"column into append without safety_lag", unit(map[string]any{"incremental_strategy": "column"}, "incremental_append"), 1},
		{"column with safety_lag into append", unit(map[string]any{"incremental_strategy": "column", "safety_lag": "5 minutes"}, "incremental_append"), 0},
		{"column into merge", unit(map[string]any{"incremental_strategy": "column"}, "incremental_merge"), 0},
		{"column into full_refresh", unit(map[string]any{"incremental_strategy": "column"}, "full_refresh"), 0},
	}
	for _, tt := range tests {
		if got := Warnings(tt.u); len(got) != tt.want {
			t.Errorf("%s: got %d warnings %v, want %d", tt.name, len(got), got, tt.want)
		}
	}
	w := Warnings(unit(map[string]any{"incremental_strategy": "column", "incremental_column": "updated_at"}, "incremental_append"))
	if len(w) != 1 || !strings.Contains(w[0], "safety_lag") || !strings.Contains(w[0], "updated_at") {
		t.Errorf("got %q, want a warning naming the cursor and safety_lag", w)
	}
}
