package connector

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// install copies the test plugin into dir as dpone-connector-<name>.
func install(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(testPluginPath())
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, BinaryPrefix+name)
	if err := os.WriteFile(p, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRegistryFind(t *testing.T) {
	first, second := t.TempDir(), t.TempDir()
	inSecond := install(t, second, "alpha")
	inFirst := install(t, first, "beta")
	install(t, second, "beta")
	// Not executable: skipped.
	if err := os.WriteFile(filepath.Join(first, BinaryPrefix+"alpha"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := NewRegistry([]string{first, second}, nil)
	for name, want := range map[string]string{"alpha": inSecond, "beta": inFirst} {
		if got, err := r.Find(name); err != nil || got != want {
			t.Errorf("Find(%s): got %q, %v; want %q", name, got, err, want)
		}
	}
	_, err := r.Find("gamma")
	if !errors.Is(err, ErrPluginNotFound) {
		t.Fatalf("Find(gamma): got %v, want ErrPluginNotFound", err)
	}
	for _, s := range []string{first, second, "make build", "--plugin-dir", "dpone-connector-gamma"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("Find(gamma): got %q, want it to mention %q", err, s)
		}
	}
	if _, err := r.Find("../alpha"); !errors.Is(err, ErrPluginNotFound) {
		t.Errorf("Find(../alpha): got %v, want ErrPluginNotFound", err)
	}
}

func TestRegistryList(t *testing.T) {
	dir := t.TempDir()
	install(t, dir, "one")
	install(t, dir, "two")
	r := NewRegistry([]string{dir, filepath.Join(dir, "missing")}, map[string]string{"two": strings.Repeat("0", 64)})
	got, err := r.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sum, _ := fileSHA256(testPluginPath())
	type row struct {
		Name, SHA256, Spec string
		ChecksumErr        bool
	}
	var rows []row
	for _, in := range got {
		var name string
		if in.Spec != nil {
			name = in.Spec.Name
		}
		rows = append(rows, row{in.Name, in.SHA256, name, errors.Is(in.Err, ErrChecksum)})
	}
	want := []row{{"one", sum, "test", false}, {"two", sum, "", true}}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
}

func TestRegistryLaunchUsesPin(t *testing.T) {
	dir := t.TempDir()
	install(t, dir, "pinned")
	r := NewRegistry([]string{dir}, map[string]string{"pinned": "sha256:" + strings.Repeat("a", 64)})
	if _, err := r.Launch(context.Background(), "pinned", LaunchOptions{}); !errors.Is(err, ErrChecksum) {
		t.Errorf("got %v, want ErrChecksum", err)
	}
}
