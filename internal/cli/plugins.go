package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/go-hclog"
	"go.yaml.in/yaml/v3"

	"github.com/dpone-go/dpone/host/connector"
	"github.com/dpone-go/dpone/host/manifest"
)

// ProjectFileName is the optional project file next to a manifest.
const ProjectFileName = "dpone.yaml"

// projectFile is dpone.yaml: settings shared by the manifests of one
// directory. Relative paths are resolved against the file's directory.
type projectFile struct {
	// PluginDir holds this project's connector binaries.
	PluginDir string `yaml:"plugin_dir"`
	// LockFile pins them (default dpone.lock.json next to the manifest).
	LockFile string `yaml:"lock_file"`
}

// project is where a manifest's plugins come from and are pinned.
type project struct {
	pluginDir string // from the manifest's plugins.dir, else dpone.yaml; may be ""
	lockFile  string // always set
}

// readProject resolves the plugin directory and lock file of manifest m:
// the manifest's plugins block first, then the project root's dpone.yaml
// (statedir.go: the nearest one at or above the manifest's directory); the
// lock file defaults to dpone.lock.json next to the manifest. --lock-file
// overrides both.
func (a *App) readProject(m *manifest.Manifest) (project, error) {
	p := project{pluginDir: m.Plugins.Dir, lockFile: m.Plugins.LockFile}
	pf, err := readProjectFile(projectRoot(m.Dir))
	if err != nil {
		return p, asUsage(err)
	}
	if p.pluginDir == "" {
		p.pluginDir = pf.PluginDir
	}
	if p.lockFile == "" {
		p.lockFile = pf.LockFile
	}
	if p.lockFile == "" {
		p.lockFile = filepath.Join(m.Dir, connector.LockFileName)
	}
	if a.LockFile != "" {
		p.lockFile = a.LockFile
	}
	return p, nil
}

// readProjectFile reads dir/dpone.yaml; a missing file is an empty one.
func readProjectFile(dir string) (projectFile, error) {
	var pf projectFile
	path := filepath.Join(dir, ProjectFileName)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return pf, nil
	}
	if err != nil {
		return pf, fmt.Errorf("read project file: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&pf); err != nil && !errors.Is(err, io.EOF) {
		return pf, fmt.Errorf("project file %s: %w (known keys: plugin_dir, lock_file)", path, err)
	}
	for _, s := range []*string{&pf.PluginDir, &pf.LockFile} {
		if *s != "" && !filepath.IsAbs(*s) {
			*s = filepath.Join(dir, *s)
		}
	}
	return pf, nil
}

// pluginDirsFor lists where a manifest's plugins are looked up, in order:
// --plugin-dir, $DPONE_PLUGIN_DIR, the project's plugin directory, the
// dpone binary's directory. The working directory is never searched
// implicitly: a binary planted there would receive every credential.
func (a *App) pluginDirsFor(projectDir string) []string {
	var dirs []string
	if a.PluginDir != "" {
		dirs = append(dirs, a.PluginDir)
	}
	if d := os.Getenv("DPONE_PLUGIN_DIR"); d != "" {
		dirs = append(dirs, filepath.SplitList(d)...)
	}
	if projectDir != "" {
		dirs = append(dirs, projectDir)
	}
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		dirs = append(dirs, filepath.Dir(exe))
	}
	return dirs
}

// manifestRegistry finds m's plugins in its project's directories and
// verifies them against its lock file when one exists.
func (a *App) manifestRegistry(m *manifest.Manifest) (*connector.Registry, error) {
	p, err := a.readProject(m)
	if err != nil {
		return nil, err
	}
	reg := connector.NewRegistry(a.pluginDirsFor(p.pluginDir), nil)
	lf, err := a.readLock(p.lockFile)
	if err != nil {
		return nil, err
	}
	reg.SetLock(lf)
	// Refuse a swapped binary before anything runs, not when the first
	// unit using it starts.
	seen := map[string]bool{}
	for _, u := range m.Units {
		for _, t := range []string{u.Source.Type, u.Sink.Type} {
			if t == "" || seen[t] {
				continue
			}
			seen[t] = true
			if err := reg.VerifyLocked(t); err != nil && !errors.Is(err, connector.ErrPluginNotFound) {
				return nil, asUsage(err)
			}
		}
	}
	return reg, nil
}

// readLock reads the lock file at path; a missing file means no lock,
// unless --lock-file named it.
func (a *App) readLock(path string) (*connector.LockFile, error) {
	if a.LockFile != "" && path == a.LockFile {
		lf, err := connector.ReadLockFile(path)
		return lf, asUsage(err)
	}
	lf, err := connector.ReadLockFileIfExists(path)
	return lf, asUsage(err)
}

// pluginStartLogger prints one line per plugin started: which binary, by
// path and sha256, gets the credentials. It is printed at every log
// level: it is the audit trail of what ran.
func (a *App) pluginStartLogger() func(name, path, sha256 string) {
	return func(name, path, sha256 string) {
		fmt.Fprintf(a.Err, "plugin %s: %s sha256:%s\n", name, path, sha256)
	}
}

// pluginLaunchOptions are the options every command starts plugins with:
// logs on stderr at --log-level, the call timeouts, the audit line.
func (a *App) pluginLaunchOptions() connector.LaunchOptions {
	lvl := hclog.LevelFromString(a.LogLevel)
	if lvl == hclog.NoLevel {
		lvl = hclog.Warn
	}
	return connector.LaunchOptions{
		Logger:        hclog.New(&hclog.LoggerOptions{Name: "dpone", Output: a.Err, Level: lvl}),
		CallTimeout:   a.PluginTimeout,
		CommitTimeout: a.CommitTimeout,
		OnStart:       a.pluginStartLogger(),
	}
}

// verifyLocked checks the binary at path against the lock file named by
// --lock-file, else ./dpone.lock.json when present (certify's check: it
// takes a binary, not a manifest). Only a binary the lock names is checked.
func (a *App) verifyLocked(path string) error {
	lockPath := a.LockFile
	if lockPath == "" {
		lockPath = connector.LockFileName
	}
	lf, err := a.readLock(lockPath)
	if err != nil || lf == nil {
		return err
	}
	name := strings.TrimPrefix(filepath.Base(path), connector.BinaryPrefix)
	if _, ok := lf.Connectors[name]; !ok {
		return nil
	}
	return lf.Verify(name, path)
}
