package sdk

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOptionsSchema(t *testing.T) {
	type Embedded struct {
		Column string `json:"incremental_column"`
	}
	type opts struct {
		Embedded
		Query    string            `json:"query"`
		Keys     []string          `json:"incremental_key"`
		Header   *bool             `json:"header"`
		Rows     int               `json:"sample_rows" doc:"rows sampled to infer types"`
		Columns  map[string]string `json:"columns"`
		Lookback json.RawMessage   `json:"lookback"`
		Skipped  string            `json:"-"`
		hidden   string
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(OptionsSchema(opts{})), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "additionalProperties": false,
		"properties": map[string]any{
			"query":           map[string]any{"type": "string"},
			"incremental_key": map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
			"header":          map[string]any{"type": "boolean"},
			"sample_rows":     map[string]any{"type": "integer", "description": "rows sampled to infer types"},
			"columns":         map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}},
			"lookback":        map[string]any{},
			// An embedded struct's keys are the outer struct's, as in encoding/json.
			"incremental_column": map[string]any{"type": "string"},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("schema (-want +got):\n%s", diff)
	}
}

// TestOptionsSchemaSelfDecoding: a ColumnNames field takes a name or a
// list, and a type with its own UnmarshalJSON any value: the schema must
// not refuse what the decoder accepts.
func TestOptionsSchemaSelfDecoding(t *testing.T) {
	var doc struct {
		Properties map[string]map[string]any `json:"properties"`
	}
	s := OptionsSchema(struct {
		OrderBy ColumnNames `json:"order_by"`
		Ratio   selfDecoded `json:"ratio"`
	}{})
	if err := json.Unmarshal([]byte(s), &doc); err != nil {
		t.Fatal(err)
	}
	if _, ok := doc.Properties["order_by"]["anyOf"]; !ok || doc.Properties["order_by"]["type"] != nil {
		t.Errorf("order_by: %v, want a string or a list", doc.Properties["order_by"])
	}
	if len(doc.Properties["ratio"]) != 0 {
		t.Errorf("ratio: %v, want any value", doc.Properties["ratio"])
	}
}

type selfDecoded int

func (s *selfDecoded) UnmarshalJSON([]byte) error { return nil }
