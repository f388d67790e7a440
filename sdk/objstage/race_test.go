package objstage

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestConcurrentManifestsKeepEveryPart: two Write streams of one load end
// together. The manifest a stream snapshotted first must not be the one
// left last in the area, or Verify finds the other stream's part unlisted
// and the load cannot commit.
func TestConcurrentManifestsKeepEveryPart(t *testing.T) {
	ctx := context.Background()
	a, err := Open(ctx, &Config{Type: TypeLocal, Prefix: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	l := a.Load("race")
	writePart := func(from int) {
		w, err := l.NewWriter(testSchema, 0)
		if err != nil {
			t.Error(err)
			return
		}
		rec := batch(from, 10)
		defer rec.Release()
		if err := w.Write(ctx, rec); err != nil {
			t.Error(err)
		}
		if err := w.Close(ctx); err != nil {
			t.Error(err)
		}
	}
	writePart(0)

	// Stream B ends while stream A is between its manifest's snapshot
	// (one part) and its upload.
	second := make(chan error, 1)
	var first atomic.Bool
	beforeManifestPut = func() {
		if first.Swap(true) {
			return // B's own upload
		}
		func() {
			go func() {
				writePart(10)
				second <- l.WriteManifest(ctx)
			}()
			select {
			case err := <-second: // B wrote its manifest while A's waited
				second <- err
			case <-time.After(300 * time.Millisecond): // B waits for A's
			}
		}()
	}
	t.Cleanup(func() { beforeManifestPut = func() {} })
	if err := l.WriteManifest(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	m, err := a.Verify(ctx, "race")
	if err != nil {
		t.Fatalf("verify after two streams: %v", err)
	}
	if len(m.Files) != 2 || m.Rows != 20 {
		t.Fatalf("manifest lists %d files, %d rows; want 2 files, 20 rows", len(m.Files), m.Rows)
	}
}
