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

func TestLockFileRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), LockFileName)
	want := &LockFile{Path: p, Connectors: map[string]LockEntry{
		"duckdb": {Version: "0.3.0", Protocol: 1, SHA256: strings.Repeat("ab", 32)},
		"file":   {Version: "0.2.0", Protocol: 1, SHA256: strings.Repeat("cd", 32)},
	}}
	if err := want.Write(); err != nil {
		t.Fatal(err)
	}
	got, err := ReadLockFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lock file (-want +got):\n%s", diff)
	}
	if lf, err := ReadLockFileIfExists(filepath.Join(t.TempDir(), "absent.json")); lf != nil || err != nil {
		t.Errorf("absent lock file: got %v, %v; want nil, nil", lf, err)
	}
	if err := os.WriteFile(p, []byte(`{"version":1,"connectors":{"x":{"sha256":"zz"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadLockFile(p); err == nil || !strings.Contains(err.Error(), "connectors.x.sha256") {
		t.Errorf("bad sha256: got %v, want an error naming connectors.x.sha256", err)
	}
}

// A registry with a lock file starts a binary only when its sha256 is the
// locked one; a mismatch names both hashes, the lock file and the fix.
func TestRegistryLockVerify(t *testing.T) {
	dir := t.TempDir()
	p := install(t, dir, "alpha")
	sum, err := fileSHA256(p)
	if err != nil {
		t.Fatal(err)
	}
	lockPath := filepath.Join(t.TempDir(), LockFileName)
	lf := &LockFile{Path: lockPath, Connectors: map[string]LockEntry{"alpha": {Version: "0.0.1", SHA256: sum}}}
	r := NewRegistry([]string{dir}, nil)
	r.SetLock(lf)
	var started []string
	c, err := r.Launch(context.Background(), "alpha", LaunchOptions{OnStart: func(name, path, sha string) {
		started = append(started, name+" "+path+" "+sha)
	}})
	if err != nil {
		t.Fatalf("locked binary: %v", err)
	}
	c.Close()
	if want := []string{"alpha " + p + " " + sum}; !cmp.Equal(started, want) {
		t.Errorf("OnStart: got %q, want %q", started, want)
	}

	// Swap the binary: same name, other bytes.
	b, _ := os.ReadFile(p)
	if err := os.WriteFile(p, append(b, 0), 0o755); err != nil {
		t.Fatal(err)
	}
	swapped, _ := fileSHA256(p)
	_, err = r.Launch(context.Background(), "alpha", LaunchOptions{})
	if !errors.Is(err, ErrChecksum) {
		t.Fatalf("swapped binary: got %v, want ErrChecksum", err)
	}
	for _, s := range []string{sum, swapped, lockPath, "dpone connectors lock", "version 0.0.1"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("got %q, want it to contain %q", err, s)
		}
	}

	// A connector the lock does not name is refused too.
	install(t, dir, "beta")
	if _, err := r.Launch(context.Background(), "beta", LaunchOptions{}); !errors.Is(err, ErrChecksum) ||
		!strings.Contains(err.Error(), "is not in "+lockPath) {
		t.Fatalf("unlocked connector: got %v, want ErrChecksum saying it is not in the lock file", err)
	}
}

func TestRegistryVerifyLocked(t *testing.T) {
	dir := t.TempDir()
	p := install(t, dir, "alpha")
	sum, _ := fileSHA256(p)
	r := NewRegistry([]string{dir}, nil)
	if err := r.VerifyLocked("alpha"); err != nil {
		t.Fatalf("no lock: got %v, want nil", err)
	}
	r.SetLock(&LockFile{Path: "dpone.lock.json", Connectors: map[string]LockEntry{"alpha": {SHA256: sum}}})
	if err := r.VerifyLocked("alpha"); err != nil {
		t.Fatalf("locked binary: got %v, want nil", err)
	}
	r.SetLock(&LockFile{Path: "dpone.lock.json", Connectors: map[string]LockEntry{"alpha": {SHA256: strings.Repeat("1", 64)}}})
	if err := r.VerifyLocked("alpha"); !errors.Is(err, ErrChecksum) {
		t.Fatalf("swapped binary: got %v, want ErrChecksum", err)
	}
}
