package state

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// testBackfill: the ledger records a backfill and its chunks, refuses a
// second unfinished one of the stream, resumes a failed one, and refuses
// every write from a holder whose lock generation is stale.
func testBackfill(t *testing.T, open opener) {
	ctx := context.Background()
	c := &clock{t: t0}
	s := withClock(t, open.must(t), c)
	l, ok := s.(Ledger)
	if !ok {
		t.Fatalf("%T is not a Ledger", s)
	}
	stream := StreamKey{Manifest: "shop", Unit: "public.orders"}
	lock, err := s.Lock(ctx, "shop/public.orders", "r-1", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	f := Fence{Key: lock.Key(), Generation: lock.Generation()}
	b := Backfill{ID: "bf-1", Stream: stream, Column: "at", Kind: "time", From: "2024-01-01", To: "2024-01-03", Chunk: "1d", RunID: "r-1",
		Chunks: []Chunk{{Index: 0, Lower: "2024-01-01", Upper: "2024-01-02"}, {Index: 1, Lower: "2024-01-02", Upper: "2024-01-03"}}}
	if err := l.StartBackfill(ctx, b, f); err != nil {
		t.Fatal(err)
	}
	b2 := b
	b2.ID = "bf-2"
	if err := l.StartBackfill(ctx, b2, f); !errors.Is(err, ErrExists) {
		t.Fatalf("second unfinished backfill: got %v, want ErrExists", err)
	}
	c.Add(time.Second)
	if err := l.UpdateChunk(ctx, "bf-1", Chunk{Index: 1, Status: ChunkDone, Rows: 42, LoadID: "l-1", Attempts: 2}, f); err != nil {
		t.Fatal(err)
	}
	if err := l.UpdateChunk(ctx, "bf-1", Chunk{Index: 7, Status: ChunkDone}, f); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown chunk: got %v, want ErrNotFound", err)
	}
	if err := l.FinishBackfill(ctx, "bf-1", BackfillFailed, "chunk 0 failed", f); err != nil {
		t.Fatal(err)
	}
	got, err := l.ActiveBackfill(ctx, stream)
	if err != nil {
		t.Fatalf("a failed backfill is unfinished: %v", err)
	}
	want := b
	want.Status, want.Error, want.CreatedAt, want.UpdatedAt = BackfillFailed, "chunk 0 failed", t0, t0.Add(time.Second)
	want.Chunks = []Chunk{{Index: 0, Lower: "2024-01-01", Upper: "2024-01-02", Status: ChunkPending},
		{Index: 1, Lower: "2024-01-02", Upper: "2024-01-03", Status: ChunkDone, Rows: 42, LoadID: "l-1", Attempts: 2, UpdatedAt: t0.Add(time.Second)}}
	if diff := cmp.Diff(want, got, cmpopts.EquateApproxTime(time.Microsecond)); diff != "" {
		t.Errorf("ledger (-want +got):\n%s", diff)
	}

	// Another run takes the unit over: the old holder's writes are refused.
	if err := lock.Release(ctx); err != nil {
		t.Fatal(err)
	}
	lock2, err := s.Lock(ctx, "shop/public.orders", "r-2", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.UpdateChunk(ctx, "bf-1", Chunk{Index: 0, Status: ChunkDone}, f); !errors.Is(err, ErrLockLost) {
		t.Errorf("stale generation: got %v, want ErrLockLost", err)
	}
	if err := l.ResumeBackfill(ctx, "bf-1", "r-2", f); !errors.Is(err, ErrLockLost) {
		t.Errorf("stale resume: got %v, want ErrLockLost", err)
	}
	f2 := Fence{Key: lock2.Key(), Generation: lock2.Generation()}
	if err := l.ResumeBackfill(ctx, "bf-1", "r-2", f2); err != nil {
		t.Fatal(err)
	}
	if err := l.FinishBackfill(ctx, "bf-1", BackfillDone, "", f2); err != nil {
		t.Fatal(err)
	}
	if _, err := l.ActiveBackfill(ctx, stream); !errors.Is(err, ErrNotFound) {
		t.Errorf("after done: got %v, want ErrNotFound", err)
	}
	if err := l.StartBackfill(ctx, b2, f2); err != nil {
		t.Fatalf("a new backfill after a finished one: %v", err)
	}
	all, err := l.Backfills(ctx, stream, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[1].ID != "bf-1" || all[1].RunID != "r-2" || all[1].Status != BackfillDone {
		t.Errorf("backfills: got %+v, want bf-2 then bf-1 (done by r-2)", all)
	}
}
