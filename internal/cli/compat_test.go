package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// v10Commit is the last commit whose SDK spoke protocol v1.0: load options
// as JSON inside options_json, host source keys passed through.
const v10Commit = "1a66214"

// buildAt builds the plugins of this repository as they were at commit,
// from `git archive` (skips when the history is not there, e.g. a
// shallow clone).
func buildAt(t *testing.T, commit string, plugins ...string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	if err := exec.Command("git", "-C", root, "cat-file", "-e", commit+"^{commit}").Run(); err != nil {
		t.Skipf("commit %s is not in this clone: %v", commit, err)
	}
	src, bin := t.TempDir(), t.TempDir()
	paths := []string{"sdk", "proto"}
	for _, p := range plugins {
		paths = append(paths, "plugins/"+p)
	}
	archive := exec.Command("git", append([]string{"-C", root, "archive", commit}, paths...)...)
	untar := exec.Command("tar", "-x", "-C", src)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	untar.Stdin = pipe
	if err := untar.Start(); err != nil {
		t.Fatal(err)
	}
	if err := archive.Run(); err != nil {
		t.Fatalf("git archive %s: %v", commit, err)
	}
	if err := untar.Wait(); err != nil {
		t.Fatalf("untar: %v", err)
	}
	for _, p := range plugins {
		cmd := exec.Command("go", "build", "-o", filepath.Join(bin, "dpone-connector-"+p), ".")
		cmd.Dir = filepath.Join(src, "plugins", p)
		// The module proxy stays on: that commit's go.sum names versions a
		// fresh machine's module cache does not hold (CI on a clean clone
		// failed here with GOPROXY=off).
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build plugin %s at %s: %v\n%s", p, commit, err, out)
		}
	}
	return bin
}

// TestV10PluginsStillWork: plugins built on the SDK before typed load
// options (protocol v1.0, no typed_options capability) still load through
// this host: host source keys reach a source that expects them, and the
// sink gets strategy, mode options and lineage in options_json.
func TestV10PluginsStillWork(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins from git history: skipped with -short")
	}
	dsn := os.Getenv("DPONE_TEST_PG_DSN")
	if dsn == "" {
		t.Skip("DPONE_TEST_PG_DSN not set: run via make test")
	}
	bin := buildAt(t, v10Commit, "file", "postgres")
	var b [4]byte
	_, _ = rand.Read(b[:])
	ns := "compat_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	t.Cleanup(func() { _, _ = conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+ns+" CASCADE") })

	work := t.TempDir()
	t.Chdir(work)
	if err := os.MkdirAll("data", 0o755); err != nil {
		t.Fatal(err)
	}
	manifest := `kind: dpone.batch.v1
metadata: {id: compat, owner: tests}
naming: {sink_dataset: ` + ns + `, sink_table: "{{ src_table }}"}
defaults:
  source:
    type: file
    connection_type: params
    params: {root: "{{ manifest_dir }}/data"}
    options: {path: "people.csv", batch_bytes: 65536}
  sink:
    type: postgres
    connection_type: params
    params: {dsn: "` + dsn + `"}
    strategy: {mode: snapshot_diff, unique_key: [id], deletes: soft}
schemas:
  files:
    tables: [people]
`
	if err := os.WriteFile("manifest.yaml", []byte(manifest), 0o600); err != nil {
		t.Fatal(err)
	}
	for i, csv := range []string{"id,name\n1,a\n2,b\n3,c\n", "id,name\n1,a\n3,c\n"} {
		if err := os.WriteFile("data/people.csv", []byte(csv), 0o600); err != nil {
			t.Fatal(err)
		}
		out, errOut, code := runWithPlugins(t, bin, "run", "--progress", "none", "manifest.yaml")
		if code != ExitOK {
			t.Fatalf("run %d with v1.0 plugins: exit %d\n%s\n%s", i+1, code, out, errOut)
		}
	}
	rows, err := conn.Query(ctx, "SELECT id::text || ':' || (_dpone_deleted_at IS NOT NULL)::text || ':' || (_dpone_run_id IS NOT NULL)::text || ':' || (_dpone_loaded_at IS NOT NULL)::text FROM "+ns+".people ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	// id 2 is soft-deleted (deletes: soft reached the sink); every row has lineage.
	if want := "1:false:true:true 2:true:true:true 3:false:true:true"; strings.Join(got, " ") != want {
		t.Errorf("target: got %v, want %s", got, want)
	}
}

// buildPlugin builds the main package pkg (an import path in this
// workspace) as dir/dpone-connector-name.
func buildPlugin(t *testing.T, dir, name, pkg string) {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "dpone-connector-"+name), pkg)
	cmd.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, out)
	}
}

// readJSON decodes the JSON file path into v.
func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// targetRows reads a v10 sink's target (JSON lines) as "id:name:lineage"
// strings, lineage being whether both lineage columns hold the run's values.
func targetRows(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var row map[string]any
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		run, _ := row["_dpone_run_id"].(string)
		at, _ := row["_dpone_loaded_at"].(string)
		out = append(out, fmt.Sprintf("%v:%v:%v", row["id"], row["name"], run != "" && at != ""))
	}
	return out
}

const v10Manifest = `kind: dpone.batch.v1
metadata: {id: v10, owner: tests}
naming: {sink_dataset: dst, sink_table: "{{ src_table }}"}
defaults:
  source:
    type: %s
    connection_type: params
    params: %s
    options: %s
  sink:
    type: %s
    connection_type: params
    params: %s
    strategy: {mode: full_refresh}
schemas:
  src:
    tables: [people]
`

// TestPreviousProtocolPlugin: a plugin built against a frozen copy of the
// previous release's protocol (v1.0: no typed load options, no fencing, no
// sdk_version; host/connector/internal/v10) and plugins built against the
// current SDK both run through this host, alone and together: reads and
// loads land every row, a v1.0 sink gets its options in the v1.0
// options_json (strategy and lineage inside it, never the typed field 20),
// a v1.0 source gets the host's source keys, and the run warns that the
// v1.0 sink does not fence its commits.
func TestPreviousProtocolPlugin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins: skipped with -short")
	}
	bin := t.TempDir()
	buildPlugin(t, bin, "v10", "github.com/dpone-go/dpone/host/connector/internal/v10/v10plugin")
	buildPlugin(t, bin, "file", "github.com/dpone-go/dpone/plugins/file")
	work := t.TempDir()
	t.Chdir(work)
	for _, d := range []string{"src", "dst", "data"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile("data/people.csv", []byte("id,name\n1,ann\n2,bob\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	v10Src, v10Dst := `{dir: "{{ manifest_dir }}/src", rows: 4}`, `{dir: "{{ manifest_dir }}/dst"}`
	run := func(t *testing.T, manifest string) string {
		t.Helper()
		if err := os.WriteFile("manifest.yaml", []byte(manifest), 0o600); err != nil {
			t.Fatal(err)
		}
		out, errOut, code := runWithPlugins(t, bin, "run", "--progress", "none", "manifest.yaml")
		if code != ExitOK {
			t.Fatalf("run: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
		return out + errOut
	}
	// checkSink checks what the v1.0 sink got: the v1.0 options layout,
	// none of the typed options, and the rows with lineage.
	checkSink := func(t *testing.T, want ...string) {
		t.Helper()
		begins, _ := filepath.Glob("dst/begin_*.json")
		if len(begins) == 0 {
			t.Fatal("the v1.0 sink got no BeginLoad")
		}
		var begin struct {
			Mode    string `json:"mode"`
			Options struct {
				Strategy map[string]any `json:"strategy"`
				Lineage  map[string]any `json:"lineage"`
			} `json:"options_json"`
			Unknown []int `json:"unknown_fields"`
		}
		readJSON(t, begins[len(begins)-1], &begin)
		if begin.Mode != "full_refresh" || begin.Options.Strategy["mode"] != "full_refresh" ||
			begin.Options.Lineage["run_id_column"] != "_dpone_run_id" || begin.Options.Lineage["run_id"] == "" {
			t.Errorf("v1.0 sink's BeginLoad: got %+v, want the strategy and lineage in options_json", begin)
		}
		if slices.Contains(begin.Unknown, 20) || slices.Contains(begin.Unknown, -1) {
			t.Errorf("v1.0 sink's BeginLoad carried fields %v: want no typed load options (20)", begin.Unknown)
		}
		if got := targetRows(t, "dst/dst.people.jsonl"); !slices.Equal(got, want) {
			t.Errorf("v1.0 sink's target: got %v, want %v", got, want)
		}
	}

	t.Run("v1.0 source into v1.0 sink", func(t *testing.T) {
		out := run(t, fmt.Sprintf(v10Manifest, "v10", v10Src, `{batch_bytes: 65536}`, "v10", v10Dst))
		_, path, ok := strings.Cut(out, "report: ")
		path, _, _ = strings.Cut(path, "\n")
		report, err := os.ReadFile(path)
		if !ok || err != nil {
			t.Fatalf("run report %q: %v", path, err)
		}
		wantOutput(t, "run report", string(report), "sink v10 does not fence commits")
		checkSink(t, "1:p1:true", "2:p2:true", "3:p3:true", "4:p4:true")
		var read struct {
			Options map[string]any `json:"options_json"`
			Unknown []int          `json:"unknown_fields"`
		}
		readJSON(t, "src/read.json", &read)
		if read.Options["batch_bytes"] != 65536.0 || len(read.Unknown) != 0 {
			t.Errorf("v1.0 source's Read: got %+v, want the host's batch_bytes in options_json and no unknown fields", read)
		}
	})
	t.Run("current source into v1.0 sink", func(t *testing.T) {
		run(t, fmt.Sprintf(v10Manifest, "file", `{root: "{{ manifest_dir }}/data"}`, `{path: "people.csv"}`, "v10", v10Dst))
		checkSink(t, "1:ann:true", "2:bob:true")
	})
	t.Run("v1.0 source into current sink", func(t *testing.T) {
		dir := os.Getenv("DPONE_PLUGIN_DIR")
		duck := filepath.Join(dir, "dpone-connector-duckdb")
		if _, err := os.Stat(duck); dir == "" || err != nil {
			t.Skip("DPONE_PLUGIN_DIR has no duckdb plugin (make build; make test sets it)")
		}
		if err := os.Symlink(duck, filepath.Join(bin, "dpone-connector-duckdb")); err != nil && !os.IsExist(err) {
			t.Fatal(err)
		}
		run(t, fmt.Sprintf(v10Manifest, "v10", v10Src, `{}`, "duckdb", `{path: "{{ manifest_dir }}/wh.duckdb"}`))
		out, errOut, code := runWithPlugins(t, bin, "read", "duckdb", "people", "--namespace", "dst",
			"--config", `{"path":"wh.duckdb"}`, "--format", "jsonl", "--columns", "id,name")
		if code != ExitOK {
			t.Fatalf("read the duckdb target: exit %d: %s", code, errOut)
		}
		wantOutput(t, "duckdb target", out, `"name":"p1"`, `"name":"p4"`)
		if n := strings.Count(out, "\n"); n != 4 {
			t.Errorf("duckdb target: got %d rows, want 4:\n%s", n, out)
		}
	})
}
