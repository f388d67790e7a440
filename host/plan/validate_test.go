package plan

import (
	"errors"
	"strings"
	"testing"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/manifest"
)

func TestValidateUnit(t *testing.T) {
	tests := []struct {
		name string
		edit func(u *manifest.Unit)
		want []string // "" means valid
	}{
		{name: "valid", edit: func(*manifest.Unit) {}},
		{name: "batch_size", edit: func(u *manifest.Unit) { u.Source.Options["batch_size"] = 100 },
			want: []string{"source.options.batch_size is not an option: did you mean batch_bytes", "they measure different things"}},
		{name: "near miss of a host key", edit: func(u *manifest.Unit) { u.Source.Options["paralel"] = 2 },
			want: []string{`source.options.paralel is not an option (did you mean "parallel"?)`}},
		{name: "batch_bytes lots", edit: func(u *manifest.Unit) { u.Source.Options["batch_bytes"] = "lots" },
			want: []string{`source.options.batch_bytes: want a positive whole number of bytes (e.g. 1048576), got "lots" (a string)`}},
		{name: "batch_bytes float", edit: func(u *manifest.Unit) { u.Source.Options["batch_bytes"] = 1.5 },
			want: []string{"source.options.batch_bytes: want a positive whole number"}},
		{name: "parallel auto", edit: func(u *manifest.Unit) { u.Source.Options["parallel"] = "auto" }},
		{name: "parallel zero", edit: func(u *manifest.Unit) { u.Source.Options["parallel"] = 0 },
			want: []string{`source.options.parallel: want a positive number of partitions or "auto", got 0`}},
		{name: "connector key passes offline", edit: func(u *manifest.Unit) { u.Source.Options["query"] = "select 1" }},
		{name: "unknown sink option", edit: func(u *manifest.Unit) { u.Sink.Options = map[string]any{"schema_evolutoin": map[string]any{}} },
			want: []string{`sink.options.schema_evolutoin is not an option (did you mean "schema_evolution"?)`}},
		{name: "connector sink key passes offline", edit: func(u *manifest.Unit) { u.Sink.Options = map[string]any{"format": "avro", "key": "hash"} }},
		{name: "strategy key", edit: func(u *manifest.Unit) { u.Sink.Strategy.Extra = map[string]any{"delete": "soft"} },
			want: []string{`sink.strategy.delete is not a strategy key (did you mean "deletes"?)`}},
		{name: "strategy value", edit: func(u *manifest.Unit) { u.Sink.Strategy.Extra = map[string]any{"max_delete_ratio": 2} },
			want: []string{"sink.strategy.max_delete_ratio: want a number from 0 to 1, got 2"}},
		{name: "scd2 options", edit: func(u *manifest.Unit) {
			u.Sink.Strategy.Mode = "scd2"
			u.Sink.Strategy.Extra = map[string]any{"tracked_columns": []any{"name"}, "valid_from": "vf", "hard_deletes": "ignore"}
		}},
		{name: "scd2 hard_deletes value", edit: func(u *manifest.Unit) {
			u.Sink.Strategy.Mode = "scd2"
			u.Sink.Strategy.Extra = map[string]any{"hard_deletes": "delete", "valid_to": ""}
		},
			want: []string{`sink.strategy.hard_deletes: want one of close, ignore, got "delete" (a string)`, `sink.strategy.valid_to: want a column name, got "" (a string)`}},
		{name: "scd2 without key", edit: func(u *manifest.Unit) { u.Sink.Strategy.Mode, u.Sink.Strategy.UniqueKey = "scd2", nil },
			want: []string{"sink.strategy.mode scd2 needs sink.strategy.unique_key"}},
		{name: "merge without key", edit: func(u *manifest.Unit) { u.Sink.Strategy.UniqueKey = nil },
			want: []string{"sink.strategy.mode incremental_merge needs sink.strategy.unique_key"}},
		{name: "gates", edit: func(u *manifest.Unit) {
			u.Sink.Options = map[string]any{"quality_gates": map[string]any{"min_rows": "many"}}
		},
			want: []string{"quality_gates.min_rows must be a non-negative integer"}},
		{name: "lineage", edit: func(u *manifest.Unit) { u.Sink.Options = map[string]any{"lineage": "yes"} },
			want: []string{"sink.options.lineage must be false or a map"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := &manifest.Unit{ID: "s.t",
				Source: manifest.Endpoint{Type: "postgres", Options: map[string]any{"incremental_strategy": "column"}},
				Sink:   manifest.Endpoint{Type: "duckdb", Strategy: manifest.Strategy{Mode: "incremental_merge", UniqueKey: []string{"id"}}}}
			tt.edit(u)
			err := ValidateUnit(u)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got no error, want %q", tt.want)
			}
			if !errors.Is(err, ErrConfig) {
				t.Errorf("got %v, want it to match ErrConfig", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestValidateSourceOptionsAgainstSpec(t *testing.T) {
	spec := &catalog.Spec{SourceOptionsSchemaJSON: `{"type":"object","additionalProperties":false,
		"properties":{"path":{"type":"string"},"delimiter":{"type":"string"},"sample_rows":{"type":"integer"},"parallel":{},"batch_bytes":{}}}`}
	u := &manifest.Unit{ID: "s.t", Source: manifest.Endpoint{Type: "file",
		Options: map[string]any{"path": "a.csv", "delimter": ";", "sample_rows": "many", "batch_bytes": 1024, "batch_size": 9}}}
	err := validateSourceOptions(u, spec)
	if err == nil {
		t.Fatal("got no error")
	}
	for _, w := range []string{
		`source.options.delimter is not an option of connector file (did you mean "delimiter"?)`,
		"source.options.sample_rows: got string, want integer",
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("got %q, want it to contain %q", err, w)
		}
	}
	if strings.Contains(err.Error(), "batch_size") || strings.Contains(err.Error(), "batch_bytes") {
		t.Errorf("got %q: host keys and their confusions are Validate's to report, once", err)
	}
	u.Source.Options = map[string]any{"path": "a.csv", "sample_rows": 10}
	if err := validateSourceOptions(u, spec); err != nil {
		t.Errorf("valid options: got %v", err)
	}
}

// TestValidateSinkOptionsAgainstSpec: a sink that publishes its options
// schema gets unknown and mistyped sink.options refused at plan time; the
// host's own keys are not the connector's.
func TestValidateSinkOptionsAgainstSpec(t *testing.T) {
	spec := &catalog.Spec{SinkOptionsSchemaJSON: `{"type":"object","additionalProperties":false,
		"properties":{"engine":{"type":"string"},"order_by":{"type":"array","items":{"type":"string"}}}}`}
	u := &manifest.Unit{ID: "s.t", Sink: manifest.Endpoint{Type: "clickhouse",
		Options: map[string]any{"engin": "MergeTree", "order_by": "id", "lineage": false, "schema_evolution": map[string]any{"mode": "additive"}}}}
	err := validateSinkOptions(u, spec)
	if err == nil {
		t.Fatal("got no error")
	}
	for _, w := range []string{
		`sink.options.engin is not an option of connector clickhouse (did you mean "engine"?)`,
		"sink.options.order_by: got string, want array",
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("got %q, want it to contain %q", err, w)
		}
	}
	if strings.Contains(err.Error(), "lineage") || strings.Contains(err.Error(), "schema_evolution") {
		t.Errorf("got %q: the host's sink keys are not the connector's", err)
	}
	// primary_key: the hint where the connector has no such option, the
	// connector's option where it has (ClickHouse).
	u.Sink.Options = map[string]any{"primary_key": []any{"id"}}
	if err := ValidateUnit(u); err != nil {
		t.Errorf("ValidateUnit: got %v; a connector's option is the connector's to check", err)
	}
	if err := validateSinkOptions(u, spec); err == nil || !strings.Contains(err.Error(), "sink.options.primary_key is not an option of connector clickhouse: did you mean sink.strategy.unique_key") {
		t.Errorf("primary_key unknown to the connector: got %v, want the unique_key hint", err)
	}
	withPK := &catalog.Spec{SinkOptionsSchemaJSON: `{"type":"object","properties":{"primary_key":{"type":"array"}}}`}
	if err := validateSinkOptions(u, withPK); err != nil {
		t.Errorf("primary_key the connector takes: got %v", err)
	}
	u.Sink.Options = map[string]any{"engine": "MergeTree", "order_by": []any{"id"}, "quality_gates": map[string]any{}}
	if err := validateSinkOptions(u, spec); err != nil {
		t.Errorf("valid options: got %v", err)
	}
	if err := validateSinkOptions(u, &catalog.Spec{}); err != nil {
		t.Errorf("no published schema: got %v, want the keys passed to BeginLoad", err)
	}
}
