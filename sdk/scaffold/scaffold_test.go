package scaffold

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/dpone-go/dpone/sdk"
)

// checkout is the root of this source tree.
func checkout(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	if _, err := os.Stat(filepath.Join(root, "sdk", "go.mod")); err != nil {
		t.Skipf("not in a dpone checkout: %v", err)
	}
	return root
}

func TestFiles(t *testing.T) {
	tests := []struct {
		name     string
		opts     Options
		want     []string
		dontWant []string
	}{
		{"both", Options{Name: "acme-db", SDKVersion: "v0.1.0"},
			[]string{"main.go", "go.mod", "acmedb/source.go", "acmedb/changes.go", "acmedb/destination.go", "acmedb/certify_test.go", "Makefile", "README.md", "certify.yaml", ".gitignore"},
			[]string{"cmd/readtable/main.go"}},
		{"source", Options{Name: "acme", Source: true, SDKVersion: "v0.1.0"},
			[]string{"acme/source.go", "acme/changes.go"}, []string{"acme/destination.go", "acme/arrows.go", "cmd/readtable/main.go"}},
		{"destination", Options{Name: "acme", Destination: true, SDKVersion: "v0.1.0"},
			[]string{"acme/destination.go", "acme/arrows.go", "cmd/readtable/main.go"}, []string{"acme/source.go", "acme/changes.go"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := Files(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if files[w] == nil {
					t.Errorf("file %s missing", w)
				}
			}
			for _, w := range tt.dontWant {
				if files[w] != nil {
					t.Errorf("file %s generated, want not", w)
				}
			}
			if main := string(files["main.go"]); !strings.Contains(main, "func main() { sdk.Serve(") {
				t.Errorf("main.go is not one line:\n%s", main)
			}
		})
	}
	if _, err := Files(Options{Name: "Bad Name", SDKVersion: "v1"}); err == nil {
		t.Error("bad name: got no error")
	}
}

// TestGoModPortable: the module requires this SDK's version, and a
// checkout replaces it by a relative path (a clone elsewhere, CI included,
// builds it the same), never an absolute one.
func TestGoModPortable(t *testing.T) {
	root := checkout(t)
	dir := filepath.Join(root, "plugins", "acme-x")
	files, err := Files(Options{Name: "acme", Replace: root, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	mod := string(files["go.mod"])
	for _, want := range []string{"github.com/dpone-go/dpone/sdk " + sdk.Version,
		"github.com/dpone-go/dpone/sdk => ../../sdk", "github.com/dpone-go/dpone/proto => ../../proto"} {
		if !strings.Contains(mod, want) {
			t.Errorf("go.mod: want %q in\n%s", want, mod)
		}
	}
	if abs, _ := filepath.Abs(root); strings.Contains(mod, abs) {
		t.Errorf("go.mod names the checkout's absolute path %s:\n%s", abs, mod)
	}
	files, err = Files(Options{Name: "acme", SDKVersion: "v0.3.0"})
	if err != nil {
		t.Fatal(err)
	}
	if mod := string(files["go.mod"]); !strings.Contains(mod, "github.com/dpone-go/dpone/sdk v0.3.0") || strings.Contains(mod, "replace") {
		t.Errorf("released SDK: got\n%s\nwant sdk v0.3.0 and no replace", mod)
	}
}

// TestGeneratedModulePasses scaffolds each variant outside the workspace
// and runs its tests: the certification suite must pass as generated.
func TestGeneratedModulePasses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds three modules: skipped with -short")
	}
	root := checkout(t)
	for _, tt := range []struct {
		name string
		opts Options
	}{
		{"both", Options{Name: "acme"}},
		{"source", Options{Name: "acme-src", Source: true}},
		{"destination", Options{Name: "acme_dst", Destination: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.opts.Replace, tt.opts.Dir = root, dir
			if _, err := Generate(dir, tt.opts); err != nil {
				t.Fatal(err)
			}
			if err := SeedGoSum(dir, root); err != nil {
				t.Fatal(err)
			}
			run := func(args ...string) {
				t.Helper()
				cmd := exec.Command("go", args...)
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
				}
			}
			run("mod", "tidy")
			run("vet", "./...")
			run("test", "-count=1", "./...")
			run("build", "-o", filepath.Join(dir, "bin", "plugin"), ".")
		})
	}
}
