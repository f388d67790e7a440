package schema

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParsePolicy(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]any
		want Policy
	}{
		{"nil is default", nil, Policy{Mode: ModeWidening, OnTypeChange: TypeChangeFail}},
		{"empty is default", map[string]any{}, Policy{Mode: ModeWidening, OnTypeChange: TypeChangeFail}},
		{"additive", map[string]any{"mode": "additive"}, Policy{Mode: ModeAdditive, OnTypeChange: TypeChangeFail}},
		{"strict", map[string]any{"mode": "strict"}, Policy{Mode: ModeStrict, OnTypeChange: TypeChangeFail}},
		{"freeze", map[string]any{"mode": "freeze", "on_type_change": "fail"}, Policy{Mode: ModeFreeze, OnTypeChange: TypeChangeFail}},
		{"new_column", map[string]any{"on_type_change": "new_column"}, Policy{Mode: ModeWidening, OnTypeChange: TypeChangeNewColumn}},
		{"additive new_column", map[string]any{"mode": "additive", "on_type_change": "new_column"}, Policy{Mode: ModeAdditive, OnTypeChange: TypeChangeNewColumn}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePolicy(tt.in)
			if err != nil {
				t.Fatalf("ParsePolicy: %v", err)
			}
			if d := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("ParsePolicy (-want +got):\n%s", d)
			}
		})
	}
}

func TestParsePolicyErrors(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]any
		want string
	}{
		{"unknown key", map[string]any{"mod": "strict"},
			`sink.options.schema_evolution: unknown key "mod" (did you mean "mode"?)`},
		{"unknown mode", map[string]any{"mode": "widen"},
			`sink.options.schema_evolution.mode: "widen" is not allowed (did you mean "widening"?)`},
		{"far-off mode", map[string]any{"mode": "yolo"},
			`sink.options.schema_evolution.mode: "yolo" is not allowed (valid: additive, freeze, strict, widening)`},
		{"not a string", map[string]any{"mode": 3},
			`sink.options.schema_evolution.mode: want one of [widening additive strict freeze], got 3 (int)`},
		{"unknown on_type_change", map[string]any{"on_type_change": "new_col"},
			`sink.options.schema_evolution.on_type_change: "new_col" is not allowed (did you mean "new_column"?)`},
		{"new_column with strict", map[string]any{"mode": "strict", "on_type_change": "new_column"},
			`sink.options.schema_evolution.on_type_change: new_column adds a column, which mode strict never does; use mode widening or additive, or on_type_change: fail`},
		{"new_column with freeze", map[string]any{"mode": "freeze", "on_type_change": "new_column"},
			`sink.options.schema_evolution.on_type_change: new_column adds a column, which mode freeze never does; use mode widening or additive, or on_type_change: fail`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePolicy(tt.in)
			if err == nil {
				t.Fatalf("ParsePolicy(%v) = nil error, want %q", tt.in, tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if !errors.Is(err, ErrConfig) {
				t.Errorf("errors.Is(err, ErrConfig) = false, want true")
			}
		})
	}
}

func TestDiffRejectsInvalidPolicy(t *testing.T) {
	_, err := Diff(nil, nil, Policy{})
	if !errors.Is(err, ErrConfig) {
		t.Errorf("Diff with zero Policy: got %v, want ErrConfig", err)
	}
}
