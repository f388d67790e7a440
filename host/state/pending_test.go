package state

import (
	"context"
	"errors"
	"testing"
)

// A load recorded before staging gets its checkpoint later; only a pending
// load's checkpoint can change, and it becomes the stream's on commit.
func testSetPendingCheckpoint(t *testing.T, open opener) {
	ctx := context.Background()
	s := withClock(t, open.must(t), &clock{t: t0})
	if err := s.RecordPending(ctx, pending("p1", "")); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPendingCheckpoint(ctx, "p1", []byte(`{"v":1,"cursor":7}`)); err != nil {
		t.Fatalf("SetPendingCheckpoint: %v", err)
	}
	if err := s.MarkCommitted(ctx, "p1"); err != nil {
		t.Fatal(err)
	}
	cp, err := s.Checkpoint(ctx, orders)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(cp.State), `{"v":1,"cursor":7}`; got != want {
		t.Errorf("checkpoint after commit: got %s, want %s", got, want)
	}
	if err := s.SetPendingCheckpoint(ctx, "p1", []byte(`{}`)); !errors.Is(err, ErrLoadState) {
		t.Errorf("SetPendingCheckpoint on a committed load: got %v, want ErrLoadState", err)
	}
	if err := s.SetPendingCheckpoint(ctx, "nope", []byte(`{}`)); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetPendingCheckpoint on an unknown load: got %v, want ErrNotFound", err)
	}
}
