package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dpone-go/dpone/host/state"
)

// scaffoldRunManifest copies the scaffold's example stream into its own
// destination by merge. batch_bytes is a host key: the scaffolded source
// refuses keys it does not know, so the run passes only if the host keeps
// it away from the plugin.
const scaffoldRunManifest = `kind: dpone.batch.v1
metadata: {id: scaffold_run, owner: tests}
naming:
  sink_dataset: landing
  sink_table: "{{ src_table }}_copy"
defaults:
  source:
    type: acme
    connection_type: params
    params: {rows: 1000, dir: "{{ manifest_dir }}/wh"}
    options: {incremental_strategy: column, incremental_column: updated_at, batch_bytes: 8192}
  sink:
    type: acme
    connection_type: params
    params: {dir: "{{ manifest_dir }}/wh"}
    strategy: {mode: incremental_merge, unique_key: [id]}
schemas:
  demo:
    tables: [events]
`

// runWithPlugins runs dpone with plugins from dir, in the working
// directory wd.
func runWithPlugins(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append([]string{"--plugin-dir", dir}, args...)
	code := Run(context.Background(), args, IO{In: strings.NewReader(""), Out: &out, Err: &errOut}, "test")
	return out.String(), errOut.String(), code
}

// testScaffoldRun: `dpone run` from and into the freshly scaffolded
// connector lands every row with both lineage columns holding the run's
// id, twice (the second run merges into a target that has them).
func testScaffoldRun(t *testing.T, bin string) {
	work := t.TempDir()
	t.Chdir(work)
	if err := os.WriteFile("manifest.yaml", []byte(scaffoldRunManifest), 0o600); err != nil {
		t.Fatal(err)
	}
	plugins := filepath.Dir(bin)
	// A released dpone has no fault hooks: this variable would SIGKILL
	// the test process at the first batch if cli.Run still read it.
	t.Setenv("DPONE_TEST_FAULT", "after_batch")
	for i := 1; i <= 2; i++ {
		out, errOut, code := runWithPlugins(t, plugins, "run", "--progress", "none", "manifest.yaml")
		if code != ExitOK {
			t.Fatalf("run %d: exit %d\nstdout:\n%s\nstderr:\n%s", i, code, out, errOut)
		}
		wantOutput(t, "run stdout", out, "demo.events")
	}
	// The registry records the arguments Run was given (not the test
	// binary's os.Args).
	st, err := state.Open(context.Background(), "sqlite", filepath.Join(work, ".dpone", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	recorded, err := st.Runs(context.Background(), 1)
	st.Close()
	if err != nil || len(recorded) != 1 {
		t.Fatalf("runs registry: got %d runs (%v), want 1", len(recorded), err)
	}
	if got, want := strings.Join(recorded[0].Args, " "), "--plugin-dir "+plugins+" run --progress none manifest.yaml"; got != want {
		t.Errorf("recorded args: got %q, want %q", got, want)
	}
	cfg := `{"dir":"` + filepath.Join(work, "wh") + `"}`
	out, errOut, code := runWithPlugins(t, plugins, "read", "acme", "events_copy", "--namespace", "landing",
		"--config", cfg, "--format", "jsonl", "--limit", "100000")
	if code != ExitOK {
		t.Fatalf("read the target back: exit %d: %s", code, errOut)
	}
	ids, runs := map[float64]bool{}, map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var row map[string]any
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("row %q: %v", sc.Text(), err)
		}
		id, _ := row["id"].(float64)
		ids[id] = true
		run, _ := row["_dpone_run_id"].(string)
		runs[run]++
		if at, _ := row["_dpone_loaded_at"].(string); at == "" {
			t.Fatalf("row %v: _dpone_loaded_at is missing or empty", row)
		}
	}
	if len(ids) != 1000 {
		t.Errorf("target rows: got %d distinct ids, want 1000", len(ids))
	}
	if runs[""] > 0 || len(runs) == 0 {
		t.Errorf("lineage: got run ids %v, want every row to carry one", runs)
	}
}
