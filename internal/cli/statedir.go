package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/dpone-go/dpone/host/manifest"
)

// StateDirEnv overrides where state lives, as --state-dir does.
const StateDirEnv = "DPONE_STATE_DIR"

// stateDirName is the directory under a project root that holds state.db
// and runs/.
const stateDirName = ".dpone"

// One rule for every command decides which state it reads or writes:
//
//  1. --state-dir DIR, else $DPONE_STATE_DIR: DIR/state.db;
//  2. a manifest's explicit state block (state.path, state.backend);
//  3. else <project root>/.dpone/state.db, where the project root is the
//     nearest directory holding a dpone.yaml at or above the manifest's
//     directory (commands without a manifest: the working directory), else
//     that directory itself.
//
// Run reports go to runs/ beside state.db unless --report-dir says
// otherwise.

// projectRoot returns the nearest directory at or above dir (absolute)
// that holds a dpone.yaml, or dir itself when none does.
func projectRoot(dir string) string {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, ProjectFileName)); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}

// stateDirOverride returns --state-dir, else $DPONE_STATE_DIR, absolute;
// "" when neither is set.
func (a *App) stateDirOverride() (string, error) {
	dir := a.StateDir
	if dir == "" {
		dir = os.Getenv(StateDirEnv)
	}
	if dir == "" {
		return "", nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", usagef("state dir %q: %w", dir, err)
	}
	return abs, nil
}

// applyStateRule sets m.State.Path by the rule above: the override
// directory, else the manifest's own state.path, else the project root's.
func (a *App) applyStateRule(m *manifest.Manifest) error {
	dir, err := a.stateDirOverride()
	if err != nil {
		return err
	}
	if dir != "" {
		m.State.Path = filepath.Join(dir, "state.db")
		return nil
	}
	// manifest.Load fills a missing state.path with the manifest
	// directory's .dpone/state.db: that is the default the project root
	// replaces.
	if m.State.Path == filepath.Join(m.Dir, stateDirName, "state.db") {
		m.State.Path = filepath.Join(projectRoot(m.Dir), stateDirName, "state.db")
	}
	return nil
}

// defaultStatePath is the SQLite state of a command run without a
// manifest: the override directory's, else the working directory's
// project root's.
func (a *App) defaultStatePath() (string, error) {
	dir, err := a.stateDirOverride()
	if err != nil || dir != "" {
		return filepath.Join(dir, "state.db"), err
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	return filepath.Join(projectRoot(wd), stateDirName, "state.db"), nil
}

// needStateFile refuses to read a SQLite state that does not exist (opening
// it would create an empty one and show nothing): the error says where it
// looked and how to name the right one.
func needStateFile(path string) error {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return usagef("no state at %s: run dpone from the project (the directory of dpone.yaml or of the manifest), or name it with --manifest MANIFEST, --state-dir DIR or %s", path, StateDirEnv)
	}
	return nil
}

// stateLabel names a state store for the "state: ..." line commands print.
func stateLabel(m *manifest.Manifest) string {
	if m.State.Backend == "postgres" {
		return "postgres (state.dsn of " + m.Path + ")"
	}
	return m.State.Path
}
