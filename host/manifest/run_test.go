package manifest

import (
	"strings"
	"testing"
)

const runManifest = `kind: dpone.batch.v1
metadata: {id: shop}
run: {parallel: 3, retries: 5}
defaults:
  source: {type: file, connection_type: params, params: {root: /data}}
  sink: {type: duckdb, connection_type: params, params: {path: /wh.duckdb}, strategy: {mode: full_refresh}}
schemas:
  s:
    tables: [a]
`

func TestRunDefaults(t *testing.T) {
	m, err := Parse([]byte(runManifest), "m.yaml", MapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if m.Run.Parallel != 3 || m.Run.Retries == nil || *m.Run.Retries != 5 {
		t.Errorf("run = %+v (retries %v), want parallel 3 retries 5", m.Run, m.Run.Retries)
	}
	m, err = Parse([]byte(strings.Replace(runManifest, "run: {parallel: 3, retries: 5}\n", "", 1)), "m.yaml", MapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if m.Run.Parallel != 0 || m.Run.Retries != nil {
		t.Errorf("unset run = %+v, want zero (the command's defaults apply)", m.Run)
	}
	for bad, want := range map[string]string{
		"run: {parallel: 0}":   "run.parallel must be a whole number from 1",
		"run: {retries: -1}":   "run.retries must be a whole number from 0",
		"run: {retries: two}":  "run.retries must be a whole number from 0",
		"run: {paralel: 2}":    `unknown key "paralel"`,
		"run: {parallel: 2.5}": "run.parallel must be a whole number from 1",
	} {
		_, err := Parse([]byte(strings.Replace(runManifest, "run: {parallel: 3, retries: 5}", bad, 1)), "m.yaml", MapEnv(nil))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "m.yaml:3") {
			t.Errorf("%s: got %v, want an error at m.yaml:3 containing %q", bad, err, want)
		}
	}
}
