package clickhouse

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

func fenced(r sdk.LoadRequest, unit string, gen int64, shared bool) sdk.LoadRequest {
	r.Fence = sdk.Fence{Manifest: "m", Unit: unit, Generation: gen, SharedTarget: shared}
	return r
}

// TestFencing: a load whose run lost its unit lock (an older generation
// than the target's fence) commits nothing; LoadStatus of a newer run
// takes the unit over; receipts name the unit, and a second unit into the
// same target is refused unless shared_target.
func TestFencing(t *testing.T) {
	f := newFixture(t)
	old := fenced(f.req("fence-1", "fenced", sdk.ModeAppend, idNameSchema), "u", 1, false)
	f.stage(old, idNameRecord(t, 1, "old run"))

	// A newer run recovers the unit: its LoadStatus raises the fence.
	newer := fenced(f.req("fence-0", "fenced", sdk.ModeAppend, idNameSchema), "u", 2, false)
	if _, err := f.c.LoadStatus(f.ctx, newer); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.CommitLoad(f.ctx, old, nil); sdk.CodeOf(err) != sdk.CodeConfig {
		t.Fatalf("CommitLoad of generation 1 after generation 2 took over: got %v, want a CONFIG (stale) error", err)
	}
	if _, err := f.c.BeginLoad(f.ctx, fenced(f.req("fence-3", "fenced", sdk.ModeAppend, idNameSchema), "u", 1, false)); sdk.CodeOf(err) != sdk.CodeConfig {
		t.Errorf("BeginLoad of generation 1: got %v, want a CONFIG (stale) error", err)
	}
	f.load(fenced(f.req("fence-2", "fenced", sdk.ModeAppend, idNameSchema), "u", 2, false), idNameRecord(t, 2, "new run"))
	if d := cmp.Diff([][]any{row(2, "new run")}, f.idNames("fenced")); d != "" {
		t.Errorf("target (-want +got):\n%s", d)
	}
	var unit string
	f.scalar("SELECT unit FROM "+quote(testDB)+"._dpone_loads FINAL WHERE load_id = 'fence-2'", &unit)
	if unit != "u" {
		t.Errorf("receipt unit: got %q, want u", unit)
	}

	// Another unit into the same target.
	other := fenced(f.req("fence-4", "fenced", sdk.ModeAppend, idNameSchema), "v", 1, false)
	if _, err := f.c.BeginLoad(f.ctx, other); sdk.CodeOf(err) != sdk.CodeConfig {
		t.Errorf("a second unit into the target: got %v, want a CONFIG error", err)
	}
	f.load(fenced(f.req("fence-5", "fenced", sdk.ModeAppend, idNameSchema), "v", 1, true), idNameRecord(t, 3, "shared"))
	if got := len(f.idNames("fenced")); got != 2 {
		t.Errorf("after a shared_target load: got %d rows, want 2", got)
	}
}
