package manifest

import (
	"strings"
	"testing"
)

func TestSharedTarget(t *testing.T) {
	const base = `kind: dpone.batch.v1
metadata: {id: m}
defaults:
  source: {type: file, connection_type: params, params: {root: .}}
  sink: {type: duckdb, connection_type: params, params: {path: x.duckdb}, strategy: {mode: incremental_append}}
schemas:
  s:
    tables:
      - a
      - table: b
        overrides: {sink: {shared_target: %s}}
`
	m, err := Parse([]byte(strings.Replace(base, "%s", "true", 1)), "m.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, u := range m.Units {
		got[u.ID] = u.Sink.SharedTarget
	}
	if got["s.a"] || !got["s.b"] {
		t.Errorf("shared_target: got %v, want s.a false, s.b true", got)
	}
	_, err = Parse([]byte(strings.Replace(base, "%s", "yes please", 1)), "m.yaml", Options{})
	if err == nil || !strings.Contains(err.Error(), "sink.shared_target must be true or false") {
		t.Errorf("shared_target: yes please: got %v, want an error", err)
	}
}
