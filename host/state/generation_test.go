package state

import (
	"context"
	"errors"
	"testing"
	"time"
)

// testLockGeneration: every new holder of a unit lock gets a higher
// generation than any earlier holder, across takeover, release and
// re-take; the generation is what sinks fence commits with.
func testLockGeneration(t *testing.T, open opener) {
	ctx := context.Background()
	c := &clock{t: t0}
	s := withClock(t, open.must(t), c)
	const key = "m/u"
	la, err := s.Lock(ctx, key, "r-a", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	seen := []int64{la.Generation()}
	if la.Generation() <= 0 {
		t.Fatalf("first generation: got %d, want > 0", la.Generation())
	}
	// a takes it over after expiry: b's generation is higher.
	c.Add(2 * time.Minute)
	lb, err := s.Lock(ctx, key, "r-b", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	seen = append(seen, lb.Generation())
	if err := lb.Release(ctx); err != nil {
		t.Fatal(err)
	}
	// Released, then taken again, even with the clock going backwards:
	// the generation never repeats.
	c.Add(-time.Hour)
	lc, err := s.Lock(ctx, key, "r-c", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	seen = append(seen, lc.Generation())
	lc2, err := s.Lock(ctx, key, "r-c", time.Minute) // the same run again
	if err != nil {
		t.Fatal(err)
	}
	seen = append(seen, lc2.Generation())
	for i := 1; i < len(seen); i++ {
		if seen[i] <= seen[i-1] {
			t.Fatalf("generations: got %v, want strictly increasing", seen)
		}
	}
	if err := la.Refresh(ctx, time.Minute); !errors.Is(err, ErrLockLost) {
		t.Errorf("Refresh of the first holder: got %v, want ErrLockLost", err)
	}
	// CurrentGeneration reports the live holder's generation.
	g, err := s.LockGeneration(ctx, key)
	if err != nil || g != lc2.Generation() {
		t.Errorf("LockGeneration: got %d, %v, want %d", g, err, lc2.Generation())
	}
}

// testAbandonRuns: a run left "running" by a process that is gone is
// marked abandoned; a live one is left alone.
func testAbandonRuns(t *testing.T, open opener) {
	ctx := context.Background()
	s := open.must(t)
	b := base(t, s)
	if err := s.StartRun(ctx, Run{ID: "r-live", Manifest: "m"}); err != nil {
		t.Fatal(err)
	}
	if err := s.StartRun(ctx, Run{ID: "r-dead", Manifest: "m"}); err != nil {
		t.Fatal(err)
	}
	host := thisProcessHost()
	if _, err := b.db.ExecContext(ctx, b.q(`UPDATE {s}runs SET holder = $1 WHERE id = 'r-dead'`), host+"/999999999/1"); err != nil {
		t.Fatal(err)
	}
	got, err := s.AbandonDeadRuns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "r-dead" {
		t.Errorf("AbandonDeadRuns: got %v, want [r-dead]", got)
	}
	for id, want := range map[string]string{"r-live": "running", "r-dead": string(RunAbandoned)} {
		r, err := s.Run(ctx, id)
		if err != nil || r.Status != want {
			t.Errorf("run %s: got %q (%v), want %q", id, r.Status, err, want)
		}
	}
	if err := s.AbandonRun(ctx, "r-live", "its pending load was recovered"); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Run(ctx, "r-live"); r.Status != string(RunAbandoned) || r.Error == "" {
		t.Errorf("AbandonRun: got %q %q, want abandoned with a reason", r.Status, r.Error)
	}
	// A finished run is never abandoned.
	if err := s.StartRun(ctx, Run{ID: "r-done", Manifest: "m"}); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(ctx, "r-done", RunSucceeded, time.Now(), nil, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.AbandonRun(ctx, "r-done", "x"); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Run(ctx, "r-done"); r.Status != string(RunSucceeded) {
		t.Errorf("AbandonRun of a finished run: got %q, want succeeded", r.Status)
	}
}

// testLoadsList: Loads lists loads newest first, filtered by status and
// stream.
func testLoadsList(t *testing.T, open opener) {
	ctx := context.Background()
	c := &clock{t: t0}
	s := withClock(t, open.must(t), c)
	for i, id := range []string{"l-1", "l-2", "l-3"} {
		c.Add(time.Second)
		unit := "u"
		if i == 2 {
			unit = "v"
		}
		if err := s.RecordPending(ctx, Load{ID: id, RunID: "r", Stream: StreamKey{"m", unit}, Target: "s.t", Mode: "incremental_append"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.MarkAborted(ctx, "l-1", "test"); err != nil {
		t.Fatal(err)
	}
	ids := func(ls []Load, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, l := range ls {
			out = append(out, l.ID)
		}
		return out
	}
	for _, tc := range []struct {
		f    LoadFilter
		want []string
	}{
		{LoadFilter{}, []string{"l-3", "l-2", "l-1"}},
		{LoadFilter{Status: LoadPending}, []string{"l-3", "l-2"}},
		{LoadFilter{Status: LoadPending, Stream: &StreamKey{"m", "u"}}, []string{"l-2"}},
		{LoadFilter{Limit: 1}, []string{"l-3"}},
	} {
		if got := ids(s.Loads(ctx, tc.f)); !equalStrings(got, tc.want) {
			t.Errorf("Loads(%+v): got %v, want %v", tc.f, got, tc.want)
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
