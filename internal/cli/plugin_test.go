package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestPluginNewUsage(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"bad name", []string{"plugin", "new", "Bad Name", "--dir", t.TempDir() + "/x", "--no-tidy"}, "connector name"},
		{"bad sdk", []string{"plugin", "new", "acme", "--dir", t.TempDir() + "/x", "--sdk", t.TempDir(), "--no-tidy"}, "not a dpone checkout"},
		{"no name", []string{"plugin", "new"}, "accepts 1 arg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := runCLI(t, tc.args...)
			if code != ExitUsage {
				t.Errorf("got exit %d, want %d (stderr %q)", code, ExitUsage, errOut)
			}
			wantOutput(t, "stderr", errOut, tc.want)
		})
	}
}

func TestPluginNewVersion(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "acme")
	out, errOut, code := runCLI(t, "plugin", "new", "acme", "--dir", dir, "--sdk", "v0.3.0", "--source", "--no-tidy")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	wantOutput(t, "stdout", out, "created "+dir, "acme/source.go", "make certify")
	mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	wantOutput(t, "go.mod", string(mod), "github.com/dpone-go/dpone/sdk v0.3.0")
	if strings.Contains(string(mod), "replace") {
		t.Errorf("go.mod with a released SDK has replace directives:\n%s", mod)
	}
	if _, err := os.Stat(filepath.Join(dir, "acme", "destination.go")); err == nil {
		t.Error("--source wrote destination.go")
	}
}

// scaffoldPlugin runs `dpone plugin new acme` with the default SDK (this
// checkout) into a directory outside the repository, and builds it.
func scaffoldPlugin(t *testing.T) (dir, bin string) {
	t.Helper()
	if testing.Short() {
		t.Skip("scaffolds and builds a plugin: skipped with -short")
	}
	dir = filepath.Join(t.TempDir(), "acme")
	_, errOut, code := runCLI(t, "plugin", "new", "acme", "--dir", dir)
	if code != ExitOK || strings.Contains(errOut, "warning") {
		t.Fatalf("plugin new: exit %d: %s", code, errOut)
	}
	bin = filepath.Join(dir, "bin", "dpone-connector-acme")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir, bin
}

// TestPluginNewAndCertify: the scaffolded module's own tests
// (certification in process) pass before anyone edits it, outside the
// workspace; and its binary passes `dpone certify` out of process.
func TestPluginNewAndCertify(t *testing.T) {
	dir, bin := scaffoldPlugin(t)
	t.Run("go test", func(t *testing.T) {
		mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err != nil {
			t.Fatal(err)
		}
		wantOutput(t, "go.mod", string(mod), "replace", "/sdk", "/proto")
		cmd := exec.Command("go", "test", "-count=1", "./...")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go test ./... in the scaffolded module: %v\n%s", err, out)
		}
	})
	t.Run("certify", func(t *testing.T) { testCertify(t, dir, bin) })
	t.Run("run", func(t *testing.T) { testScaffoldRun(t, bin) })
}

// TestPluginNewFailsWhenTidyFails: an SDK version that cannot be resolved
// fails `plugin new` (exit 1) and says what to do, instead of leaving a
// module that does not build behind a zero exit.
func TestPluginNewFailsWhenTidyFails(t *testing.T) {
	t.Setenv("GOPROXY", "off") // v0.3.0 is not in the module cache
	dir := filepath.Join(t.TempDir(), "acme")
	_, errOut, code := runCLI(t, "plugin", "new", "acme", "--dir", dir, "--sdk", "v0.3.0", "--source")
	if code != ExitFailed {
		t.Fatalf("got exit %d, want %d (stderr %q)", code, ExitFailed, errOut)
	}
	wantOutput(t, "stderr", errOut, "go mod tidy", "v0.3.0", "--sdk")
}
