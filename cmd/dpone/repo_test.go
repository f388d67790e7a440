package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// repoRoot is the repository's top directory.
func repoRoot(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// TestCheckSizes: make lint's size check refuses a tracked file over its
// limit and a tracked *.test binary, and passes a repository of small
// source files.
func TestCheckSizes(t *testing.T) {
	script := filepath.Join(repoRoot(t), "scripts", "check-sizes.sh")
	for _, tt := range []struct {
		name  string
		files map[string]int // path -> size
		fail  string         // "" passes
	}{
		{"small files", map[string]int{"main.go": 100, "docs/a.md": 2000}, ""},
		{"large file", map[string]int{"main.go": 100, "data/big.bin": 6_000_000}, "tracked file data/big.bin is 6000000 bytes"},
		{"test binary", map[string]int{"main.go": 100, "pkg/pkg.test": 1000}, "pkg/pkg.test"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			git := func(args ...string) {
				cmd := exec.Command("git", append([]string{"-c", "user.email=t@t", "-c", "user.name=t"}, args...)...)
				cmd.Dir = dir
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("git %v: %v\n%s", args, err, out)
				}
			}
			git("init", "-q")
			for p, n := range tt.files {
				full := filepath.Join(dir, p)
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(full, make([]byte, n), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			git("add", "-f", ".")
			cmd := exec.Command("bash", script)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			switch {
			case tt.fail == "" && err != nil:
				t.Errorf("got %v (%s), want success", err, out)
			case tt.fail != "" && err == nil:
				t.Errorf("got success, want it refused naming %q", tt.fail)
			case tt.fail != "" && !strings.Contains(string(out), tt.fail):
				t.Errorf("got %q, want it to name %q", out, tt.fail)
			}
		})
	}
}

// TestRepositoryHygiene: this repository tracks no compiled test binary
// and no file over make lint's limit.
func TestRepositoryHygiene(t *testing.T) {
	cmd := exec.Command("bash", filepath.Join("scripts", "check-sizes.sh"))
	cmd.Dir = repoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("scripts/check-sizes.sh: %v\n%s", err, out)
	}
}
