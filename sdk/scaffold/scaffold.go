// Package scaffold generates a new dpone connector module: what
// `dpone plugin new` writes. The module builds, and passes the
// certification suite (package sdktest), before its author edits a line.
package scaffold

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"go/format"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/dpone-go/dpone/sdk"
)

//go:embed templates
var templates embed.FS

// Options describe the connector to generate.
type Options struct {
	// Name is the connector name: the binary is dpone-connector-<Name>.
	Name string
	// Module is the Go module path; default example.com/dpone-connector-<Name>.
	Module string
	// Source and Destination choose the halves; with neither, both.
	Source, Destination bool
	// SDKVersion is the required version of the SDK module; default (and
	// always with Replace) sdk.Version, the SDK this package belongs to.
	SDKVersion string
	// Replace is the root of a dpone source checkout: the module gets
	// replace directives to its sdk and proto modules, as paths relative
	// to Dir, so the checkout builds it wherever it is cloned.
	Replace string
	// Dir is the directory the module is written to (Generate sets it).
	Dir string
	// GoVersion is the go directive; default 1.26.
	GoVersion string
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// data is what the templates see.
type data struct {
	Options
	Package string
}

func (o *Options) normalize() error {
	if !nameRE.MatchString(o.Name) {
		return fmt.Errorf("connector name %q: want lowercase letters, digits, - and _, starting with a letter", o.Name)
	}
	if o.Module == "" {
		o.Module = "example.com/dpone-connector-" + o.Name
	}
	if !o.Source && !o.Destination {
		o.Source, o.Destination = true, true
	}
	if o.Replace != "" {
		if o.Dir == "" {
			return errors.New("a checkout replace needs the module's directory (Options.Dir)")
		}
		root, err := filepath.Abs(o.Replace)
		if err != nil {
			return err
		}
		dir, err := filepath.Abs(o.Dir)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, root)
		if err != nil {
			return fmt.Errorf("replace %s from %s: %w", root, dir, err)
		}
		o.Replace = filepath.ToSlash(rel)
		o.SDKVersion = sdk.Version
	}
	if o.SDKVersion == "" {
		o.SDKVersion = sdk.Version
	}
	if o.GoVersion == "" {
		o.GoVersion = "1.26"
	}
	return nil
}

// packageName turns a connector name into a Go package name.
func packageName(name string) string {
	p := strings.NewReplacer("-", "", "_", "").Replace(name)
	if p == "" {
		return "connector"
	}
	return p
}

// Files renders the module: relative path -> content.
func Files(o Options) (map[string][]byte, error) {
	if err := o.normalize(); err != nil {
		return nil, err
	}
	d := data{Options: o, Package: packageName(o.Name)}
	out := map[string][]byte{}
	err := fs.WalkDir(templates, "templates", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel := strings.TrimSuffix(strings.TrimPrefix(path, "templates/"), ".tmpl")
		switch rel {
		case "pkg/source.go", "pkg/changes.go":
			if !o.Source {
				return nil
			}
		case "pkg/destination.go", "pkg/arrows.go", "pkg/lineage.go":
			if !o.Destination {
				return nil
			}
		case "cmd/readtable/main.go": // certify's reader of a destination-only plugin
			if !o.Destination || o.Source {
				return nil
			}
		case "gitignore":
			rel = ".gitignore"
		}
		if dir, file, ok := strings.Cut(rel, "/"); ok && dir == "pkg" {
			rel = d.Package + "/" + file
		}
		text, err := templates.ReadFile(path)
		if err != nil {
			return err
		}
		t, err := template.New(rel).Delims("[[", "]]").Option("missingkey=error").Parse(string(text))
		if err != nil {
			return fmt.Errorf("template %s: %w", path, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, d); err != nil {
			return fmt.Errorf("template %s: %w", path, err)
		}
		content := b.Bytes()
		if strings.HasSuffix(rel, ".go") {
			if content, err = format.Source(content); err != nil {
				return fmt.Errorf("template %s renders invalid Go: %w", path, err)
			}
		}
		out[rel] = content
		return nil
	})
	return out, err
}

// Generate writes the module into dir, which must not exist or be empty,
// and returns the files written, sorted.
func Generate(dir string, o Options) ([]string, error) {
	if o.Dir == "" {
		o.Dir = dir
	}
	files, err := Files(o)
	if err != nil {
		return nil, err
	}
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return nil, fmt.Errorf("%s is not empty: choose a new directory", dir)
	}
	var names []string
	for rel, content := range files {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			return nil, err
		}
		names = append(names, rel)
	}
	sort.Strings(names)
	return names, nil
}

// SeedGoSum writes go.sum into dir from the go.sum files of the checkout's
// sdk and proto modules, so that `go mod tidy` needs no checksum database
// for what the SDK already uses.
func SeedGoSum(dir, checkout string) error {
	seen := map[string]bool{}
	var lines []string
	for _, m := range []string{"sdk", "proto"} {
		b, err := os.ReadFile(filepath.Join(checkout, m, "go.sum"))
		if err != nil {
			return fmt.Errorf("seed go.sum: %w", err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			if l != "" && !seen[l] {
				seen[l] = true
				lines = append(lines, l)
			}
		}
	}
	sort.Strings(lines)
	return os.WriteFile(filepath.Join(dir, "go.sum"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}
