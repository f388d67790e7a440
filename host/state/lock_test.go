package state

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func testLock(t *testing.T, open opener) {
	ctx := context.Background()
	c := &clock{t: t0}
	a, b := withClock(t, open.must(t), c), withClock(t, open.must(t), c)
	const key = "shop_landing/public.orders"
	la, err := a.Lock(ctx, key, "r-a", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if la.Key() != key || la.RunID() != "r-a" || !la.Expires().Equal(t0.Add(time.Minute)) {
		t.Errorf("lock: got key %q run %q expires %s, want %q r-a %s", la.Key(), la.RunID(), la.Expires(), key, t0.Add(time.Minute))
	}
	_, err = b.Lock(ctx, key, "r-b", time.Minute)
	var locked ErrLocked
	if !errors.As(err, &locked) {
		t.Fatalf("second Lock: got %v, want ErrLocked", err)
	}
	want := ErrLocked{Unit: key, HeldBy: "r-a", Since: t0, Expires: t0.Add(time.Minute)}
	if diff := cmp.Diff(want, locked); diff != "" {
		t.Errorf("ErrLocked (-want +got):\n%s", diff)
	}
	// Refreshing keeps it; other units are independent.
	c.Add(50 * time.Second)
	if err := la.Refresh(ctx, time.Minute); err != nil {
		t.Fatal(err)
	}
	c.Add(50 * time.Second)
	if _, err := b.Lock(ctx, key, "r-b", time.Minute); !errors.As(err, &locked) {
		t.Fatalf("Lock after refresh: got %v, want ErrLocked", err)
	}
	other, err := b.Lock(ctx, "shop_landing/public.customers", "r-b", time.Minute)
	if err != nil {
		t.Fatalf("Lock of another unit: %v", err)
	}
	// Expired: taken over; the old holder finds out on refresh.
	c.Add(11 * time.Second)
	lb, err := b.Lock(ctx, key, "r-b", time.Minute)
	if err != nil {
		t.Fatalf("Lock of expired lock: %v", err)
	}
	if err := la.Refresh(ctx, time.Minute); !errors.Is(err, ErrLockLost) {
		t.Errorf("Refresh of lost lock: got %v, want ErrLockLost", err)
	}
	if err := la.Release(ctx); err != nil {
		t.Errorf("Release of lost lock: got %v, want nil", err)
	}
	if _, err := a.Lock(ctx, key, "r-a", time.Minute); !errors.As(err, &locked) || locked.HeldBy != "r-b" {
		t.Errorf("Lock after old holder released: got %v, want ErrLocked by r-b", err)
	}
	// The same run may take its own lock again (a resumed run).
	lb2, err := a.Lock(ctx, key, "r-b", time.Minute)
	if err != nil {
		t.Fatalf("Lock by the same run: %v", err)
	}
	if err := lb.Refresh(ctx, time.Minute); !errors.Is(err, ErrLockLost) {
		t.Errorf("Refresh of re-taken lock: got %v, want ErrLockLost", err)
	}
	for _, l := range []Lock{lb2, lb2, other} {
		if err := l.Release(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := lb2.Refresh(ctx, time.Minute); !errors.Is(err, ErrLockLost) {
		t.Errorf("Refresh after release: got %v, want ErrLockLost", err)
	}
	lc, err := a.Lock(ctx, key, "r-c", time.Minute)
	if err != nil {
		t.Fatalf("Lock after release: %v", err)
	}
	if err := lc.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Lock(ctx, key, "r-c", 0); err == nil {
		t.Errorf("Lock with zero ttl: got nil error")
	}
}

func testLockRace(t *testing.T, open opener) {
	ctx := context.Background()
	stores := []Store{open.must(t), open.must(t)}
	const n = 8
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		winners []string
		losers  int
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run := string(rune('a' + i))
			_, err := stores[i%2].Lock(ctx, "race", "r-"+run, time.Minute)
			var locked ErrLocked
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				winners = append(winners, run)
			case errors.As(err, &locked):
				losers++
			default:
				t.Errorf("Lock: %v", err)
			}
		}()
	}
	wg.Wait()
	if len(winners) != 1 || losers != n-1 {
		t.Errorf("lock race: got winners %q and %d losers, want 1 winner and %d losers", winners, losers, n-1)
	}
}

func testReopen(t *testing.T, open opener) {
	ctx := context.Background()
	s := open.must(t)
	if err := s.SetCheckpoint(ctx, orders, []byte(`{"v":1}`), "seed"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		s := open.must(t)
		cp, err := s.Checkpoint(ctx, orders)
		if err != nil || string(cp.State) != `{"v":1}` {
			t.Errorf("after reopen: got %+v, %v, want the seed", cp, err)
		}
		b := base(t, s)
		var n, max int
		if err := b.db.QueryRowContext(ctx, b.q(`SELECT COUNT(*), MAX(version) FROM {s}schema_migrations`)).Scan(&n, &max); err != nil {
			t.Fatal(err)
		}
		if n != len(migrations) || max != latestVersion() {
			t.Errorf("schema_migrations: got %d rows up to %d, want %d up to %d", n, max, len(migrations), latestVersion())
		}
	}
}

func testConcurrentOpen(t *testing.T, open opener) {
	ctx := context.Background()
	var wg sync.WaitGroup
	stores := make([]Store, 4)
	errs := make([]error, len(stores))
	for i := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = open()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent open: %v", err)
		}
	}
	for i, s := range stores {
		if err := s.SetCheckpoint(ctx, StreamKey{"m", string(rune('a' + i))}, []byte(`{}`), ""); err != nil {
			t.Fatal(err)
		}
	}
	all, err := stores[0].Checkpoints(ctx)
	if err != nil || len(all) != len(stores) {
		t.Errorf("Checkpoints: got %d (%v), want %d", len(all), err, len(stores))
	}
}
