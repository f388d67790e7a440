package sdk

import (
	"context"
	"testing"
	"time"
)

// TestHandoffRegistry: an entry goes when both sides left; one side alone
// leaves it (closed) for the other to find, and such an orphan expires.
func TestHandoffRegistry(t *testing.T) {
	var hs handoffs
	r := hs.get("a", true)
	w := hs.get("a", false)
	if r != w {
		t.Fatal("read and write of one id got different handoffs")
	}
	hs.leave("a", r, true)
	if hs.open() != 0 {
		t.Fatalf("%d handoffs open after both sides attached and one left, want 0", hs.open())
	}
	hs.leave("a", w, false) // already gone: no effect
	lone := hs.get("b", false)
	hs.leave("b", lone, false)
	if hs.open() != 1 {
		t.Fatalf("%d handoffs open after a write left alone, want its orphan", hs.open())
	}
	if late := hs.get("b", true); late != lone {
		t.Fatal("a late read did not find the orphan its write left")
	}
	hs.leave("b", lone, true)
	if hs.open() != 0 {
		t.Fatalf("%d handoffs open after the late side left, want 0", hs.open())
	}
	old := hs.get("c", true)
	old.ch <- handoffChunk{data: make([]byte, 1<<20), rows: 1}
	old.readErr = context.Canceled
	close(old.ch)
	hs.leave("c", old, true)
	if len(old.ch) != 0 {
		t.Fatal("a read left alone kept its queued payloads")
	}
	old.orphaned = time.Now().Add(-orphanTTL - time.Second)
	hs.get("d", true)
	if _, ok := hs.m["c"]; ok {
		t.Fatal("an orphan older than orphanTTL was kept")
	}
}
