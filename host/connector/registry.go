package connector

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// BinaryPrefix is the file name prefix of every connector plugin binary.
const BinaryPrefix = "dpone-connector-"

// Registry finds installed connector plugins in an ordered list of
// directories; the first directory holding a name wins.
type Registry struct {
	dirs []string
	pins map[string]string
	lock *LockFile
}

// NewRegistry returns a registry searching dirs in order. pins maps
// connector names to the sha256 (hex) their binary must have.
func NewRegistry(dirs []string, pins map[string]string) *Registry {
	return &Registry{dirs: dirs, pins: pins}
}

// SetLock makes every Launch verify the binary against lf (nil: no lock
// file). A connector the lock does not name is refused.
func (r *Registry) SetLock(lf *LockFile) { r.lock = lf }

// Lock returns the lock file set with SetLock, or nil.
func (r *Registry) Lock() *LockFile { return r.lock }

// VerifyLocked checks, without starting it, the binary of connector name
// against the lock set with SetLock; nil when there is no lock. Commands
// call it for every connector they will use, so that a swapped binary is
// refused before any work starts.
func (r *Registry) VerifyLocked(name string) error {
	if r.lock == nil {
		return nil
	}
	path, err := r.Find(name)
	if err != nil {
		return err
	}
	return r.lock.Verify(name, path)
}

// Dirs returns the directories searched, in order.
func (r *Registry) Dirs() []string { return r.dirs }

// Find returns the path of dpone-connector-<name>, or an error matching
// ErrPluginNotFound that lists the directories searched.
func (r *Registry) Find(name string) (string, error) {
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return "", fmt.Errorf("%w: invalid connector name %q", ErrPluginNotFound, name)
	}
	var notExec []string
	for _, dir := range r.dirs {
		p := filepath.Join(dir, BinaryPrefix+name)
		if isExecutable(p) {
			return p, nil
		}
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			notExec = append(notExec, p)
		}
	}
	if len(notExec) > 0 {
		return "", fmt.Errorf("%w: %s is not executable (mode %s): run `chmod +x %s`",
			ErrPluginNotExecutable, notExec[0], fileMode(notExec[0]), notExec[0])
	}
	return "", fmt.Errorf("%w: no %s%s in %s: run `make build` or set --plugin-dir",
		ErrPluginNotFound, BinaryPrefix, name, r.searched())
}

func fileMode(p string) string {
	fi, err := os.Stat(p)
	if err != nil {
		return "unknown"
	}
	return fi.Mode().Perm().String()
}

func (r *Registry) searched() string {
	if len(r.dirs) == 0 {
		return "(no plugin directories)"
	}
	return strings.Join(r.dirs, ", ")
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// Launch finds name and launches it. The registry's pin for name applies
// unless opts.SHA256 is set.
func (r *Registry) Launch(ctx context.Context, name string, opts LaunchOptions) (*Client, error) {
	path, err := r.Find(name)
	if err != nil {
		return nil, err
	}
	if opts.SHA256 == "" {
		opts.SHA256 = r.pins[name]
	}
	return launch(ctx, name, path, opts, r.lock)
}

// Installed is one connector found by List.
type Installed struct {
	Name   string
	Path   string
	SHA256 string
	// Spec is the plugin's answer to GetSpec, nil when Err is set.
	Spec *connectorv1.GetSpecResponse
	// Err is why the plugin could not be launched or asked for its spec
	// (a protocol mismatch, a checksum mismatch, a crash).
	Err error
}

// List finds every installed connector (one per name, the first directory
// wins), launches each to ask for its spec, and returns them sorted by
// name. A plugin that fails is listed with Err set; List itself fails only
// when ctx ends.
func (r *Registry) List(ctx context.Context) ([]Installed, error) {
	seen := map[string]bool{}
	var out []Installed
	for _, dir := range r.dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue // a missing default directory is normal
		}
		for _, e := range entries {
			name, ok := strings.CutPrefix(e.Name(), BinaryPrefix)
			if !ok || name == "" || seen[name] || strings.HasSuffix(name, "~") {
				continue
			}
			p := filepath.Join(dir, e.Name())
			if !isExecutable(p) {
				continue
			}
			seen[name] = true
			out = append(out, Installed{Name: name, Path: p})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	for i := range out {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out[i].SHA256, out[i].Spec, out[i].Err = r.inspect(ctx, out[i].Name, out[i].Path)
	}
	return out, nil
}

func (r *Registry) inspect(ctx context.Context, name, path string) (string, *connectorv1.GetSpecResponse, error) {
	sum, err := fileSHA256(path)
	if err != nil {
		return "", nil, err
	}
	c, err := launch(ctx, name, path, LaunchOptions{SHA256: r.pins[name]}, r.lock)
	if err != nil {
		return sum, nil, err
	}
	defer c.Close()
	spec, err := c.Spec(ctx)
	return sum, spec, err
}
