package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOPROXY=off")
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
