package file

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// readIncremental runs an incremental Read with prior state and returns
// the rows and the final checkpoint.
func readIncremental(t *testing.T, root string, prior []byte) ([][]string, []byte) {
	t.Helper()
	rec := &recorder{}
	err := New().(*Connector).Read(context.Background(), sdk.ReadRequest{
		Config: configJSON(root), Stream: "orders", Mode: sdk.ReadIncremental, PriorState: prior,
		Options: json.RawMessage(`{"incremental_strategy": "files", "columns": {"id": "int64"}}`),
	}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if rec.schema == nil {
		t.Fatal("got no schema, want one even when no file is new")
	}
	if len(rec.checkpoints) != 1 {
		t.Fatalf("got %d checkpoints, want 1", len(rec.checkpoints))
	}
	return rec.rows, []byte(rec.checkpoints[0])
}

func TestIncrementalFiles(t *testing.T) {
	root := writeFiles(t, map[string]string{"orders_1.csv": "id\n1\n2\n"})
	old := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	os.Chtimes(filepath.Join(root, "orders_1.csv"), old, old)

	rows, cp := readIncremental(t, root, nil)
	if diff := cmp.Diff([][]string{{"1"}, {"2"}}, rows); diff != "" {
		t.Errorf("first run rows (-want +got):\n%s", diff)
	}
	var st state
	if err := json.Unmarshal(cp, &st); err != nil {
		t.Fatal(err)
	}
	wantState := state{V: 1, Files: map[string]fileState{"orders_1.csv": {Size: 7, MTime: old}}}
	if diff := cmp.Diff(wantState, st); diff != "" {
		t.Errorf("checkpoint (-want +got):\n%s", diff)
	}

	rows, cp2 := readIncremental(t, root, cp)
	if len(rows) != 0 {
		t.Errorf("got %v on a run with no new file, want no rows", rows)
	}
	if string(cp2) != string(cp) {
		t.Errorf("got checkpoint %s, want unchanged %s", cp2, cp)
	}

	// A new file is read; the old one is skipped.
	os.WriteFile(filepath.Join(root, "orders_2.csv"), []byte("id\n3\n"), 0o644)
	rows, cp = readIncremental(t, root, cp)
	if diff := cmp.Diff([][]string{{"3"}}, rows); diff != "" {
		t.Errorf("new file rows (-want +got):\n%s", diff)
	}

	// A changed file is read again, whole.
	os.WriteFile(filepath.Join(root, "orders_1.csv"), []byte("id\n1\n2\n4\n"), 0o644)
	rows, cp = readIncremental(t, root, cp)
	if diff := cmp.Diff([][]string{{"1"}, {"2"}, {"4"}}, rows); diff != "" {
		t.Errorf("changed file rows (-want +got):\n%s", diff)
	}
	// Touching a file (same size, new mtime) counts as a change too.
	newer := old.Add(time.Hour)
	os.Chtimes(filepath.Join(root, "orders_2.csv"), newer, newer)
	rows, cp = readIncremental(t, root, cp)
	if diff := cmp.Diff([][]string{{"3"}}, rows); diff != "" {
		t.Errorf("touched file rows (-want +got):\n%s", diff)
	}
	if err := json.Unmarshal(cp, &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Files) != 2 {
		t.Errorf("got %d files in the checkpoint, want 2: %s", len(st.Files), cp)
	}
}

func TestFullReadWithFilesStrategyCheckpoints(t *testing.T) {
	root := writeFiles(t, map[string]string{"orders.csv": "id\n1\n"})
	rec := mustRead(t, root, "orders", `{"incremental_strategy": "files"}`)
	if len(rec.checkpoints) != 1 {
		t.Fatalf("got %d checkpoints, want 1", len(rec.checkpoints))
	}
	rows, _ := readIncremental(t, root, []byte(rec.checkpoints[0]))
	if len(rows) != 0 {
		t.Errorf("got %v after a full read, want nothing new", rows)
	}
}

func TestBadState(t *testing.T) {
	root := writeFiles(t, map[string]string{"orders.csv": "id\n1\n"})
	for _, prior := range []string{`{"v":2,"files":{}}`, `not json`} {
		err := New().(*Connector).Read(t.Context(), sdk.ReadRequest{Config: configJSON(root), Stream: "orders",
			Mode: sdk.ReadIncremental, PriorState: []byte(prior)}, &recorder{})
		wantError(t, err, sdk.CodeConfig, "prior state")
	}
	_, err := read(t, root, "orders", `{"incremental_strategy": "column"}`)
	wantError(t, err, sdk.CodeConfig, `incremental_strategy "column" is not supported by the file source (allowed: files)`)
}
