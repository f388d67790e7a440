package connector

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// LockFileName is the lock file's name next to a manifest (like
// Terraform's .terraform.lock.hcl): commit it with the manifest.
const LockFileName = "dpone.lock.json"

// lockFormat is the lock file's format version.
const lockFormat = 1

// LockFile pins connector binaries by sha256, written by
// `dpone connectors lock` and verified before every plugin start.
type LockFile struct {
	// Path is where the file was read from or will be written to.
	Path string `json:"-"`
	// Version is the file format version (1).
	Version int `json:"version"`
	// Connectors maps a connector name to its pinned binary.
	Connectors map[string]LockEntry `json:"connectors"`
}

// LockEntry is one pinned connector binary.
type LockEntry struct {
	// Version is the connector's version as its GetSpec reported it when
	// locked; informational (the sha256 is what is enforced).
	Version string `json:"version"`
	// Protocol is the protocol major the connector spoke when locked.
	Protocol int32 `json:"protocol,omitempty"`
	// SHA256 is the hex sha256 of the binary.
	SHA256 string `json:"sha256"`
}

// ReadLockFile reads the lock file at path. A missing file returns an
// error matching fs.ErrNotExist.
func ReadLockFile(path string) (*LockFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read connector lock file: %w", err)
	}
	lf := &LockFile{}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(lf); err != nil {
		return nil, fmt.Errorf("connector lock file %s: %w: fix it or write it again with `dpone connectors lock`", path, err)
	}
	if lf.Version != lockFormat {
		return nil, fmt.Errorf("connector lock file %s: format version %d, this dpone reads %d: write it again with `dpone connectors lock`",
			path, lf.Version, lockFormat)
	}
	for name, e := range lf.Connectors {
		if len(e.SHA256) != 64 || strings.Trim(strings.ToLower(e.SHA256), "0123456789abcdef") != "" {
			return nil, fmt.Errorf("connector lock file %s: connectors.%s.sha256 %q is not a hex sha256: write it again with `dpone connectors lock`",
				path, name, e.SHA256)
		}
	}
	lf.Path = path
	return lf, nil
}

// ReadLockFileIfExists is ReadLockFile, returning nil, nil when the file
// does not exist.
func ReadLockFileIfExists(path string) (*LockFile, error) {
	lf, err := ReadLockFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return lf, err
}

// Write writes the lock file to its Path atomically (temp file + rename),
// with sorted keys so that it diffs well.
func (lf *LockFile) Write() error {
	lf.Version = lockFormat
	if lf.Connectors == nil {
		lf.Connectors = map[string]LockEntry{}
	}
	b, err := json.MarshalIndent(lf, "", "  ") // maps marshal sorted
	if err != nil {
		return err
	}
	b = append(b, '\n')
	tmp, err := os.CreateTemp(filepath.Dir(lf.Path), ".dpone.lock-*")
	if err != nil {
		return fmt.Errorf("write connector lock file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write connector lock file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write connector lock file: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write connector lock file: %w", err)
	}
	if err := os.Rename(tmp.Name(), lf.Path); err != nil {
		return fmt.Errorf("write connector lock file: %w", err)
	}
	return nil
}

// Names returns the locked connector names, sorted.
func (lf *LockFile) Names() []string {
	var out []string
	for n := range lf.Connectors {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Verify hashes the binary at path and checks it against the lock entry
// of connector name (see verify).
func (lf *LockFile) Verify(name, path string) error {
	sum, err := fileSHA256(path)
	if err != nil {
		return fmt.Errorf("verify connector %s: %w", name, err)
	}
	return lf.verify(name, path, sum)
}

// verify checks the binary of connector name (whose sha256 is got) against
// the lock. A connector the lock does not name is refused too: a lock file
// pins the whole set, so a new connector must be locked before use.
func (lf *LockFile) verify(name, path, got string) error {
	e, ok := lf.Connectors[name]
	if !ok {
		return fmt.Errorf("%w: connector %s (%s, sha256 %s) is not in %s: run `dpone connectors lock` to add it",
			ErrChecksum, name, path, got, lf.Path)
	}
	if !strings.EqualFold(e.SHA256, got) {
		return fmt.Errorf("%w: connector %s (%s) has sha256 %s, but %s pins sha256 %s (version %s): "+
			"install the locked binary, or if this one is trusted run `dpone connectors lock` to pin it",
			ErrChecksum, name, path, got, lf.Path, strings.ToLower(e.SHA256), e.Version)
	}
	return nil
}
