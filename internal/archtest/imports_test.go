// Package archtest checks the import rules of DESIGN.md §1 across every
// module of the workspace: arrows point toward proto; plugins import only
// the sdk (never host, never generated code); host never imports the sdk;
// nothing imports cmd; no package is named util, common, helpers or misc.
package archtest

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const root = "github.com/dpone-go/dpone"

type pkg struct {
	ImportPath string
	Name       string
	Imports    []string
	// TestImports and XTestImports are the imports of its _test.go files.
	TestImports  []string
	XTestImports []string
	Module       *struct{ Path string }
}

// listPackages runs `go list -json ./...` in every workspace module.
func listPackages(t *testing.T) []pkg {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	top := filepath.Join(filepath.Dir(file), "..", "..")
	mods, err := exec.Command("go", "list", "-C", top, "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	var out []pkg
	for _, dir := range strings.Fields(string(mods)) {
		cmd := exec.Command("go", "list", "-json", "./...")
		cmd.Dir = dir
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list in %s: %v", dir, err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		for {
			var p pkg
			if err := dec.Decode(&p); err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			out = append(out, p)
		}
	}
	return out
}

func TestImportRules(t *testing.T) {
	pkgs := listPackages(t)
	if len(pkgs) < 10 {
		t.Fatalf("got %d packages, want the whole workspace", len(pkgs))
	}
	for _, p := range pkgs {
		switch p.Name {
		case "util", "utils", "common", "helpers", "misc":
			t.Errorf("%s: package named %q; name packages for what they provide", p.ImportPath, p.Name)
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, root) {
				continue
			}
			switch {
			case strings.HasPrefix(p.ImportPath, root+"/plugins/"):
				plugin := strings.SplitN(strings.TrimPrefix(p.ImportPath, root+"/plugins/"), "/", 2)[0]
				own := root + "/plugins/" + plugin
				sdkPkg := imp == root+"/sdk" || strings.HasPrefix(imp, root+"/sdk/")
				if !sdkPkg && imp != own && !strings.HasPrefix(imp, own+"/") {
					t.Errorf("%s imports %s: plugins import only the sdk", p.ImportPath, imp)
				}
			case strings.HasPrefix(p.ImportPath, root+"/host"):
				if strings.HasPrefix(imp, root+"/sdk") {
					t.Errorf("%s imports %s: host never imports the sdk", p.ImportPath, imp)
				}
			case strings.HasPrefix(p.ImportPath, root+"/proto"):
				if !strings.HasPrefix(imp, root+"/proto") {
					t.Errorf("%s imports %s: proto imports nothing of dpone", p.ImportPath, imp)
				}
			case strings.HasPrefix(p.ImportPath, root+"/sdk"):
				if !strings.HasPrefix(imp, root+"/sdk") && !strings.HasPrefix(imp, root+"/proto") {
					t.Errorf("%s imports %s: the sdk imports only proto", p.ImportPath, imp)
				}
			}
			if strings.HasPrefix(imp, root+"/cmd") {
				t.Errorf("%s imports %s: nothing imports cmd", p.ImportPath, imp)
			}
		}
	}
}
