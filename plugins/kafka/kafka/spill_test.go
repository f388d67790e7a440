package kafka

import (
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestDiffSpill: over several buckets, a key's latest target record
// decides (a tombstone or a soft delete after a value: not live), the
// snapshot's keys are kept, the others deleted with their latest value.
func TestDiffSpill(t *testing.T) {
	sp, err := newKeySpill(5 * spillPerBucket)
	if err != nil {
		t.Fatal(err)
	}
	if sp.buckets() < 5 {
		t.Fatalf("buckets: got %d, want at least 5", sp.buckets())
	}
	tk := &targetKeys{spill: sp}
	defer tk.close()
	add := func(k int, kind byte, v string) {
		tk.seq++
		r := spillRec{kind: kind, seq: tk.seq}
		if v != "" {
			r.value = []byte(v)
		}
		if err := tk.spill.add([]byte(strconv.Itoa(k)), r); err != nil {
			t.Fatal(err)
		}
	}
	for k := range 1000 {
		add(k, recLive, "v1")
	}
	for k := 0; k < 1000; k += 10 {
		add(k, recTombstone, "") // 100 keys tombstoned
	}
	for k := 5; k < 1000; k += 10 {
		add(k, recSoftDeleted, "") // 100 keys soft-deleted
	}
	for k := 1; k < 1000; k += 10 {
		add(k, recLive, "v2") // 100 keys updated
	}
	for k := 0; k < 1000; k += 2 {
		if err := tk.stage([]byte(strconv.Itoa(k))); err != nil { // the even keys
			t.Fatal(err)
		}
	}
	if err := tk.stage([]byte("new")); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	live, deleted, err := tk.diff(func(k, v []byte) error { got[string(k)] = string(v); return nil })
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for k := 1; k < 1000; k += 2 {
		if k%10 == 5 {
			continue
		}
		want[strconv.Itoa(k)] = map[bool]string{true: "v2", false: "v1"}[k%10 == 1]
	}
	if live != 800 || deleted != len(want) {
		t.Errorf("live, deleted: got %d, %d, want 800, %d", live, deleted, len(want))
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("deleted keys and their latest values (-want +got):\n%s", d)
	}
	// A second pass gives the same (publishDeletes counts, then publishes).
	again := map[string]string{}
	if _, _, err := tk.diff(func(k, v []byte) error { again[string(k)] = string(v); return nil }); err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(got, again) {
		t.Errorf("second pass differs")
	}
}

// BenchmarkDiffSpill reports the peak heap of snapshot_diff's key
// comparison (heap-peak-MB, sampled every millisecond) for a target of
// keys keys, all live, and a snapshot of the same keys less 1%. With the
// spill it stays about one bucket's worth as the key count grows (the
// keys themselves are on disk).
func BenchmarkDiffSpill(b *testing.B) {
	for _, keys := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprint("keys=", keys), func(b *testing.B) {
			for b.Loop() {
				runtime.GC()
				var base runtime.MemStats
				runtime.ReadMemStats(&base)
				var peak atomic.Uint64
				done := make(chan struct{})
				go func() {
					var ms runtime.MemStats
					for {
						select {
						case <-done:
							return
						case <-time.After(time.Millisecond):
						}
						runtime.ReadMemStats(&ms)
						if ms.HeapInuse > peak.Load() {
							peak.Store(ms.HeapInuse)
						}
					}
				}()
				sp, err := newKeySpill(int64(keys))
				if err != nil {
					b.Fatal(err)
				}
				tk := &targetKeys{spill: sp}
				key := make([]byte, 0, 32)
				for k := range keys {
					key = fmt.Appendf(key[:0], "customer-%012d", k)
					tk.seq++
					if err := sp.add(key, spillRec{kind: recLive, seq: tk.seq}); err != nil {
						b.Fatal(err)
					}
				}
				for k := range keys {
					if k%100 != 0 {
						key = fmt.Appendf(key[:0], "customer-%012d", k)
						if err := tk.stage(key); err != nil {
							b.Fatal(err)
						}
					}
				}
				var del []string
				live, deleted, err := tk.diff(func(k, _ []byte) error {
					if len(del) < 3 {
						del = append(del, string(k))
					}
					return nil
				})
				close(done)
				tk.close()
				if err != nil || live != keys || deleted != keys/100 {
					b.Fatalf("live %d deleted %d (%v), want %d, %d", live, deleted, err, keys, keys/100)
				}
				sort.Strings(del)
				b.ReportMetric(float64(peak.Load()-min(peak.Load(), base.HeapInuse))/(1<<20), "heap-peak-MB")
			}
		})
	}
}

// TestOffsetSet: one bit per offset of each partition's range; offsets
// outside it are never members.
func TestOffsetSet(t *testing.T) {
	s := newOffsetSet(map[int32]int64{0: 100, 1: 0, 2: 5}, map[int32]int64{0: 230, 1: 64, 2: 5})
	for _, p := range [][2]int64{{0, 100}, {0, 163}, {0, 164}, {0, 229}, {1, 0}, {1, 63}} {
		s.add(int32(p[0]), p[1])
	}
	s.add(0, 230) // past the end: ignored
	s.add(2, 5)   // an empty range: ignored
	for _, c := range []struct {
		p    int32
		off  int64
		want bool
	}{{0, 100, true}, {0, 101, false}, {0, 163, true}, {0, 164, true}, {0, 229, true}, {0, 230, false}, {0, 99, false},
		{1, 0, true}, {1, 63, true}, {1, 64, false}, {2, 5, false}, {3, 0, false}} {
		if got := s.has(c.p, c.off); got != c.want {
			t.Errorf("partition %d offset %d: got %v, want %v", c.p, c.off, got, c.want)
		}
	}
}
