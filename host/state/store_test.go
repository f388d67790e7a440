package state

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// storage makes fresh, empty storage for one test and returns an opener:
// every call opens a new Store handle on that same storage (closed by
// t.Cleanup).
type storage func(t *testing.T) opener

// opener opens a Store on one test's storage; safe to call from several
// goroutines.
type opener func() (Store, error)

// must opens a Store or stops the test; call it from the test goroutine.
func (o opener) must(t *testing.T) Store {
	t.Helper()
	s, err := o()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var t0 = time.Date(2026, 11, 26, 5, 34, 12, 123456000, time.UTC)

// base returns the shared implementation behind a backend.
func base(t *testing.T, s Store) *sqlStore {
	t.Helper()
	switch x := s.(type) {
	case *SQLite:
		return x.sqlStore
	case *Postgres:
		return x.sqlStore
	}
	t.Fatalf("unknown store %T", s)
	return nil
}

// withClock sets s's clock and returns s.
func withClock(t *testing.T, s Store, c *clock) Store {
	base(t, s).now = c.Now
	return s
}

// testStore is the conformance suite every backend passes.
func testStore(t *testing.T, fresh storage) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open opener)
	}{
		{"Runs", testRuns},
		{"ExactlyOnce", testExactlyOnce},
		{"SetPendingCheckpoint", testSetPendingCheckpoint},
		{"LoadTransitions", testLoadTransitions},
		{"SetCheckpoint", testSetCheckpoint},
		{"MarkCommittedAtomic", testMarkCommittedAtomic},
		{"MarkCommittedReaders", testMarkCommittedReaders},
		{"ConcurrentCommits", testConcurrentCommits},
		{"Lock", testLock},
		{"LockRace", testLockRace},
		{"LockGeneration", testLockGeneration},
		{"AbandonRuns", testAbandonRuns},
		{"LoadsList", testLoadsList},
		{"Reopen", testReopen},
		{"ConcurrentOpen", testConcurrentOpen},
		{"ExportImport", testExportImport},
		{"Backfill", testBackfill},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, fresh(t))
		})
	}
}

func testRuns(t *testing.T, open opener) {
	ctx := context.Background()
	s := withClock(t, open.must(t), &clock{t: t0})
	runs := []Run{
		{ID: "r-1", Manifest: "shop", StartedAt: t0, Args: []string{"run", "--select", "public.orders"}},
		{ID: "r-2", Manifest: "shop", StartedAt: t0.Add(time.Minute)},
		{ID: "r-3", Manifest: "crm", StartedAt: t0.Add(2 * time.Minute)},
	}
	for _, r := range runs {
		if err := s.StartRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.StartRun(ctx, runs[0]); !errors.Is(err, ErrExists) {
		t.Fatalf("StartRun twice: got %v, want ErrExists", err)
	}
	summary := []byte(`{"rows": 22.00}`)
	if err := s.FinishRun(ctx, "r-2", RunFailed, t0.Add(90*time.Second), summary, "boom"); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(ctx, "r-404", RunFailed, t0, nil, ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("FinishRun unknown: got %v, want ErrNotFound", err)
	}
	got, err := s.Run(ctx, "r-2")
	if err != nil {
		t.Fatal(err)
	}
	want := Run{ID: "r-2", Manifest: "shop", Status: "failed", StartedAt: t0.Add(time.Minute),
		FinishedAt: t0.Add(90 * time.Second), Summary: summary, Error: "boom"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Run(r-2) mismatch (-want +got):\n%s", diff)
	}
	if _, err := s.Run(ctx, "r-404"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Run unknown: got %v, want ErrNotFound", err)
	}
	for _, tc := range []struct {
		limit int
		want  []string
	}{{0, []string{"r-3", "r-2", "r-1"}}, {2, []string{"r-3", "r-2"}}} {
		list, err := s.Runs(ctx, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range list {
			ids = append(ids, r.ID)
		}
		if diff := cmp.Diff(tc.want, ids); diff != "" {
			t.Errorf("Runs(%d) ids (-want +got):\n%s", tc.limit, diff)
		}
		if tc.limit == 0 && list[2].Status != "running" {
			t.Errorf("default status: got %q, want running", list[2].Status)
		}
		if tc.limit == 0 && !cmp.Equal(list[2].Args, runs[0].Args) {
			t.Errorf("args: got %q, want %q", list[2].Args, runs[0].Args)
		}
	}
}

var orders = StreamKey{Manifest: "shop_landing", Unit: "public.orders"}

func pending(id string, cp string) Load {
	l := Load{ID: id, RunID: "r-1", Stream: orders, Target: "landing.public__orders",
		Mode: "incremental_merge", Begin: []byte("begin:" + id)}
	if cp != "" {
		l.Checkpoint = []byte(cp)
	}
	return l
}

func testExactlyOnce(t *testing.T, open opener) {
	ctx := context.Background()
	c := &clock{t: t0}
	s := withClock(t, open.must(t), c)
	if _, err := s.Checkpoint(ctx, orders); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Checkpoint before any load: got %v, want ErrNotFound", err)
	}
	for _, l := range []Load{pending("l1", `{"v":1,"cursor":10}`), pending("l2", `{"v":1,"cursor":20}`)} {
		if err := s.RecordPending(ctx, l); err != nil {
			t.Fatal(err)
		}
		c.Add(time.Second)
	}
	if err := s.RecordPending(ctx, pending("l1", "")); !errors.Is(err, ErrExists) {
		t.Fatalf("RecordPending twice: got %v, want ErrExists", err)
	}
	got, err := s.PendingLoads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []Load{pending("l1", `{"v":1,"cursor":10}`), pending("l2", `{"v":1,"cursor":20}`)}
	for i := range want {
		want[i].Status = LoadPending
		want[i].CreatedAt = t0.Add(time.Duration(i) * time.Second)
		want[i].UpdatedAt = want[i].CreatedAt
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("PendingLoads (-want +got):\n%s", diff)
	}
	// A pending load does not move the checkpoint.
	if _, err := s.Checkpoint(ctx, orders); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Checkpoint with pending load: got %v, want ErrNotFound", err)
	}
	steps := []struct {
		id          string
		wantState   string
		wantVersion int64
	}{{"l1", `{"v":1,"cursor":10}`, 1}, {"l1", `{"v":1,"cursor":10}`, 1}, {"l2", `{"v":1,"cursor":20}`, 2}}
	for _, st := range steps {
		if err := s.MarkCommitted(ctx, st.id); err != nil {
			t.Fatalf("MarkCommitted(%s): %v", st.id, err)
		}
		cp, err := s.Checkpoint(ctx, orders)
		if err != nil {
			t.Fatal(err)
		}
		want := Checkpoint{Stream: orders, State: []byte(st.wantState), Version: st.wantVersion,
			UpdatedAt: c.Now(), RunID: "r-1", LoadID: st.id}
		if st.wantVersion == 1 {
			want.UpdatedAt = t0.Add(2 * time.Second)
		}
		if diff := cmp.Diff(want, cp); diff != "" {
			t.Errorf("after MarkCommitted(%s) (-want +got):\n%s", st.id, diff)
		}
		c.Add(time.Second)
	}
	if got, err := s.PendingLoads(ctx); err != nil || len(got) != 0 {
		t.Errorf("PendingLoads after commits: got %d loads, err %v, want none", len(got), err)
	}
	l, err := s.Load(ctx, "l2")
	if err != nil || l.Status != LoadCommitted {
		t.Errorf("Load(l2): got status %q, err %v, want committed", l.Status, err)
	}
	all, err := s.Checkpoints(ctx)
	if err != nil || len(all) != 1 || all[0].Version != 2 {
		t.Errorf("Checkpoints: got %+v, %v, want one at version 2", all, err)
	}
}

func testLoadTransitions(t *testing.T, open opener) {
	ctx := context.Background()
	s := open.must(t)
	for _, id := range []string{"committed", "aborted", "nocp"} {
		cp := `{"v":1}`
		if id == "nocp" {
			cp = ""
		}
		if err := s.RecordPending(ctx, pending(id, cp)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.MarkCommitted(ctx, "committed"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkAborted(ctx, "aborted", "sink said unknown"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		op   func() error
		want error
	}{
		{"commit unknown", func() error { return s.MarkCommitted(ctx, "nope") }, ErrNotFound},
		{"abort unknown", func() error { return s.MarkAborted(ctx, "nope", "") }, ErrNotFound},
		{"load unknown", func() error { _, err := s.Load(ctx, "nope"); return err }, ErrNotFound},
		{"commit aborted", func() error { return s.MarkCommitted(ctx, "aborted") }, ErrLoadState},
		{"abort committed", func() error { return s.MarkAborted(ctx, "committed", "") }, ErrLoadState},
		{"abort aborted", func() error { return s.MarkAborted(ctx, "aborted", "again") }, nil},
		{"commit committed", func() error { return s.MarkCommitted(ctx, "committed") }, nil},
		{"commit without checkpoint", func() error { return s.MarkCommitted(ctx, "nocp") }, nil},
	}
	for _, tt := range tests {
		if err := tt.op(); !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
	l, err := s.Load(ctx, "aborted")
	if err != nil {
		t.Fatal(err)
	}
	if l.Status != LoadAborted || l.Reason != "sink said unknown" {
		t.Errorf("aborted load: got status %q reason %q, want aborted, %q", l.Status, l.Reason, "sink said unknown")
	}
	cp, err := s.Checkpoint(ctx, orders)
	if err != nil || cp.Version != 1 || cp.LoadID != "committed" {
		t.Errorf("checkpoint: got %+v, %v, want version 1 from load committed", cp, err)
	}
}

func testSetCheckpoint(t *testing.T, open opener) {
	ctx := context.Background()
	c := &clock{t: t0}
	s := withClock(t, open.must(t), c)
	if err := s.SetCheckpoint(ctx, orders, []byte(`{"v":1,"cursor":5}`), "backfill from 5"); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordPending(ctx, pending("l1", `{"v":1,"cursor":9}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkCommitted(ctx, "l1"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCheckpoint(ctx, orders, nil, "full reload"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Checkpoint(ctx, orders); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Checkpoint after reset: got %v, want ErrNotFound", err)
	}
	// Resetting a stream without a checkpoint is fine.
	if err := s.SetCheckpoint(ctx, StreamKey{"shop_landing", "public.none"}, nil, "noop"); err != nil {
		t.Fatal(err)
	}
	h, err := s.History(ctx, orders, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range h {
		h[i].ID = 0
	}
	want := []Event{
		{At: t0, Kind: EventReset, Stream: orders, Before: []byte(`{"v":1,"cursor":9}`), Reason: "full reload"},
		{At: t0, Kind: EventCommit, Stream: orders, Version: 2, RunID: "r-1", LoadID: "l1",
			Before: []byte(`{"v":1,"cursor":5}`), After: []byte(`{"v":1,"cursor":9}`)},
		{At: t0, Kind: EventSet, Stream: orders, Version: 1, After: []byte(`{"v":1,"cursor":5}`), Reason: "backfill from 5"},
	}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("History (-want +got):\n%s", diff)
	}
	if h, err := s.History(ctx, orders, 1); err != nil || len(h) != 1 || h[0].Kind != EventReset {
		t.Errorf("History limit 1: got %+v, %v, want the reset", h, err)
	}
}

func testMarkCommittedAtomic(t *testing.T, open opener) {
	ctx := context.Background()
	s := open.must(t)
	if err := s.SetCheckpoint(ctx, orders, []byte(`{"v":1,"cursor":1}`), "seed"); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordPending(ctx, pending("l1", `{"v":1,"cursor":2}`)); err != nil {
		t.Fatal(err)
	}
	for _, step := range []string{"load-updated", "checkpoint-updated"} {
		injected := fmt.Errorf("crash after %s", step)
		base(t, s).hook = func(s string) error {
			if s == step {
				return injected
			}
			return nil
		}
		if err := s.MarkCommitted(ctx, "l1"); !errors.Is(err, injected) {
			t.Fatalf("MarkCommitted with crash after %s: got %v, want %v", step, err, injected)
		}
		l, err := s.Load(ctx, "l1")
		if err != nil || l.Status != LoadPending {
			t.Errorf("crash after %s: load status %q (%v), want pending", step, l.Status, err)
		}
		cp, err := s.Checkpoint(ctx, orders)
		if err != nil || cp.Version != 1 || string(cp.State) != `{"v":1,"cursor":1}` {
			t.Errorf("crash after %s: checkpoint %+v (%v), want the seed at version 1", step, cp, err)
		}
	}
	base(t, s).hook = nil
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.MarkCommitted(cctx, "l1"); err == nil {
		t.Errorf("MarkCommitted with canceled context: got nil error")
	}
	if err := s.MarkCommitted(ctx, "l1"); err != nil {
		t.Fatal(err)
	}
	if cp, err := s.Checkpoint(ctx, orders); err != nil || cp.Version != 2 {
		t.Errorf("after commit: got %+v, %v, want version 2", cp, err)
	}
}

// testMarkCommittedReaders checks, from another Store handle, that no
// reader sees a load committed before its checkpoint.
func testMarkCommittedReaders(t *testing.T, open opener) {
	ctx := context.Background()
	w, r := open.must(t), open.must(t)
	const n = 30
	for i := 1; i <= n; i++ {
		if err := w.RecordPending(ctx, pending(fmt.Sprintf("l%02d", i), fmt.Sprintf(`{"n":%d}`, i))); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(done)
		for i := 1; i <= n; i++ {
			if err := w.MarkCommitted(ctx, fmt.Sprintf("l%02d", i)); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for i := 1; ; i = i%n + 1 {
		select {
		case <-done:
			wg.Wait()
			return
		default:
		}
		l, err := r.Load(ctx, fmt.Sprintf("l%02d", i))
		if err != nil {
			t.Fatal(err)
		}
		if l.Status != LoadCommitted {
			continue
		}
		cp, err := r.Checkpoint(ctx, orders)
		if err != nil || cp.Version < int64(i) {
			t.Fatalf("load l%02d committed but checkpoint is %+v (%v), want version >= %d", i, cp, err, i)
		}
	}
}

func testConcurrentCommits(t *testing.T, open opener) {
	ctx := context.Background()
	stores := []Store{open.must(t), open.must(t)}
	const n = 20
	for i := range n {
		if err := stores[0].RecordPending(ctx, pending(fmt.Sprintf("l%02d", i), fmt.Sprintf(`{"n":%d}`, i))); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := stores[i%2].MarkCommitted(ctx, fmt.Sprintf("l%02d", i)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	cp, err := stores[1].Checkpoint(ctx, orders)
	if err != nil || cp.Version != n {
		t.Errorf("after %d concurrent commits: got %+v, %v, want version %d", n, cp, err, n)
	}
	h, err := stores[0].History(ctx, orders, 0)
	if err != nil || len(h) != n {
		t.Errorf("history: got %d events (%v), want %d", len(h), err, n)
	}
}
