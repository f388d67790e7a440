package run

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/state"
)

// TestFenceAndCheckLock: a load carries its unit, manifest, shared_target
// and lock generation; once another run took the lock over, checkLock
// fails with ErrLockLost naming the lock.
func TestFenceAndCheckLock(t *testing.T) {
	ctx := context.Background()
	store, err := state.OpenSQLite(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	const ttl = 50 * time.Millisecond
	lock, err := store.Lock(ctx, LockKey("m", "s.t"), "r-a", ttl)
	if err != nil {
		t.Fatal(err)
	}
	u := &manifest.Unit{ID: "s.t", Sink: manifest.Endpoint{Type: "postgres", SharedTarget: true}}
	r := &unitRun{e: &Engine{opts: Options{LockTTL: ttl}, manifestID: "m", store: store}, u: u, lock: lock}
	var b catalog.BeginLoad
	r.fence(&b)
	if b.ManifestID != "m" || b.UnitID != "s.t" || !b.SharedTarget || b.FenceGeneration != lock.Generation() || b.FenceGeneration == 0 {
		t.Errorf("fence: got %+v, want m, s.t, shared, generation %d", b, lock.Generation())
	}
	if err := r.checkLock(ctx); err != nil {
		t.Fatalf("checkLock of a held lock: %v", err)
	}
	// The holder stalls past the ttl (no refresh); another run takes over.
	time.Sleep(2 * ttl)
	other, err := store.Lock(ctx, LockKey("m", "s.t"), "r-b", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if other.Generation() <= lock.Generation() {
		t.Errorf("takeover generation: got %d, want > %d", other.Generation(), lock.Generation())
	}
	err = r.checkLock(ctx)
	if !errors.Is(err, state.ErrLockLost) || !strings.Contains(err.Error(), "lost its run lock m/s.t") {
		t.Errorf("checkLock after a takeover: got %v, want ErrLockLost naming the lock", err)
	}
	if info := errorInfo(err); info.Code != "LOCK_LOST" {
		t.Errorf("report code: got %s, want LOCK_LOST", info.Code)
	}
}
